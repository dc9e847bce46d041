// The handles of custom backwards (BackwardHandles): on CUDA libtorch runs them on a worker thread with no dispose scope,
// where every handle TorchSharp makes and every gradient handed back used to live until the GC. A thread with no scope
// shows the same on the CPU: the live-tensor count of the thread that ran backward must come back to where it was.
using Rho1.Model;
using TorchSharp;
using static TorchSharp.torch;
using Rho1.Model.Runtime;

namespace Rho1.Tests.Model;

public class BackwardHandlesTests
{
    [Fact]
    public void A_backward_body_leaves_only_its_gradients_and_they_go_on_the_next_backward_or_release()
    {
        var owner = new BackwardHandles();
        Tensor? temporary = null;
        var gradOutput = torch.ones(3);
        var first = BackwardHandles.Run(owner, gradOutput, () => { temporary = torch.zeros(4); return [torch.full(2, 5f), null!]; });
        Assert.True(gradOutput.IsInvalid); // the incoming gradient: disposed once used
        Assert.True(temporary!.IsInvalid); // what the body made and did not return
        Assert.False(first[0].IsInvalid);  // the returned gradient: libtorch copies it after the call
        Assert.Equal(5f, first[0][1].item<float>());
        Assert.Equal(1, owner.Pending);

        var second = BackwardHandles.Run(owner, torch.ones(3), () => [torch.full(2, 7f)]);
        Assert.True(first[0].IsInvalid);   // the same thread's next backward: the earlier call has returned
        Assert.Equal(1, owner.Pending);
        owner.Release();
        Assert.True(second[0].IsInvalid);
        Assert.Equal(0, owner.Pending);
    }

    [Fact]
    public void Without_an_owner_the_gradients_move_to_the_callers_scope()
    {
        Tensor gradient;
        using (var outer = torch.NewDisposeScope())
        {
            gradient = BackwardHandles.Run(null, torch.ones(3), () => [torch.full(2, 3f)])[0];
            Assert.False(gradient.IsInvalid);
        }
        Assert.True(gradient.IsInvalid);
    }

    [Theory]
    [InlineData(true, 0L)]  // checkpointed blocks
    [InlineData(false, 7L)] // chunked token losses
    [InlineData(true, 7L)]
    public void Backward_on_a_thread_without_a_dispose_scope_leaves_no_live_tensors_there(bool checkpointing, long chunk)
    {
        var config = new ModelConfig { VocabSize = 300, ContextLength = 32, Dim = 32, Layers = 3, Heads = 4, FfnDim = 64 };
        using var model = new Transformer(config, seed: 4) { ActivationCheckpointing = checkpointing, LossChunkTokens = chunk };
        using var scope = torch.NewDisposeScope();
        var g = new Generator(6);
        var tokens = torch.randint(0, config.VocabSize, [2, 24], generator: g);
        var targets = torch.randint(0, config.VocabSize, [2, 24], generator: g);
        // A first step on this thread makes the buffers the model keeps from step to step (TensorWorkspace); from then on
        // a step on the worker thread must leave nothing behind there.
        model.TokenLosses(tokens, targets).mean().backward();
        model.ReleaseBackwardHandles();
        var loss = model.TokenLosses(tokens, targets).mean();
        long before = -1, afterBackward = -1, afterRelease = -1;
        var worker = new Thread(() => // as libtorch's CUDA device thread: no dispose scope open
        {
            before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            loss.backward();
            afterBackward = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            model.ReleaseBackwardHandles();
            afterRelease = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        });
        worker.Start();
        worker.Join();
        Assert.True(afterBackward - before <= 2, $"{afterBackward - before} handles live after backward: only the last backward's gradients may be");
        Assert.Equal(before, afterRelease);
        Assert.All(model.parameters(), p => Assert.NotNull(p.grad)); // and the gradients arrived
    }
}

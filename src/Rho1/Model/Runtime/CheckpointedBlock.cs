// Activation checkpointing for one decoder block: the forward runs without keeping the block's activations (the
// custom autograd function's forward runs without gradient), and backward runs the block again from its saved input,
// with gradient, then backpropagates through that fresh graph, the reentrant checkpointing of
// torch.utils.checkpoint. The block's weights get their gradients from the inner backward. Peak activation memory is
// then the residual stream at each block's input plus one block's internals, not every block's.
using TorchSharp;
using static TorchSharp.torch;
using Rho1.Model;

namespace Rho1.Model.Runtime;

public sealed class CheckpointedBlock : autograd.SingleTensorFunction<CheckpointedBlock>
{
    public override string Name => nameof(CheckpointedBlock);

    /// <summary><paramref name="block"/>(<paramref name="x"/>) (B, T, C), recomputed in backward instead of stored; the
    /// backward's handles go to <paramref name="handles"/> (the model's: BackwardHandles says why).</summary>
    public static Tensor Of(DecoderBlock block, Tensor x, BackwardHandles? handles = null) => apply(x, block, handles!);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (x, block) = ((Tensor)vars[0], (DecoderBlock)vars[1]);
        ctx.save_for_backward([x]);
        ctx.save_data("block", block);
        ctx.save_data("handles", vars[2]);
        return block.forward(x);
    }

    // The recomputed block's graph goes with the backward's scope, not when the GC finalizes its tensors: otherwise every
    // block's activations pile up during backward and checkpointing saves little (measured: `small` fp32 16 × 256, peak
    // RSS 1,428 MB with it against 1,680 MB without, before the scope).
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput) =>
        BackwardHandles.Run((BackwardHandles?)ctx.get_data("handles"), gradOutput, () =>
        {
            var x = ctx.get_saved_variables()[0];
            var block = (DecoderBlock)ctx.get_data("block");
            using var grad = torch.enable_grad();
            var input = x.detach().requires_grad_(true);
            var output = block.forward(input);
            output.backward([gradOutput]);
            return [input.grad!, null!, null!];
        });
}

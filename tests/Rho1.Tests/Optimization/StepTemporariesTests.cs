// The optimizer step's temporaries are one parameter's at a time: a gated AdamW update and global-norm clipping leave
// the same number of live tensors behind for 4 parameters as for 40. Kept to the end of the step they were 32 bytes
// per parameter at once, the peak of a CUDA tinyllama-1b run once checkpointing had shrunk its activations.
using AdamW = Rho1.Optimization.AdamW;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Tests.Optimization;

public class StepTemporariesTests
{
    static List<Parameter> Parameters(int count)
    {
        var g = new Generator(3);
        var ps = Enumerable.Range(0, count).Select(_ => new Parameter(torch.randn([16, 8], generator: g))).ToList();
        foreach (var p in ps)
            p.grad = torch.randn([16, 8], generator: g);
        return ps;
    }

    static long LiveAfter(Action step)
    {
        using var scope = torch.NewDisposeScope(); // what the step leaves lives here until the test's scope ends
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        step();
        return DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
    }

    [Fact]
    public void A_gated_update_leaves_as_many_live_tensors_for_forty_parameters_as_for_four()
    {
        long Left(int count)
        {
            var ps = Parameters(count);
            using var opt = new AdamW(ps.Select((p, i) => ($"p{i}", p)), 0.9, 0.95, 1e-8, 0.1);
            using var apply = torch.tensor(true);
            return LiveAfter(() => opt.Update(1e-3, apply));
        }
        Assert.Equal(Left(4), Left(40));
    }

    [Fact]
    public void Clipping_leaves_as_many_live_tensors_for_forty_gradients_as_for_four()
    {
        long Left(int count)
        {
            var ps = Parameters(count);
            using var opt = new AdamW(ps.Select((p, i) => ($"p{i}", p)), 0.9, 0.95, 1e-8, 0.1);
            return LiveAfter(() => opt.ClipGradients(0.5));
        }
        Assert.Equal(Left(4), Left(40));
    }
}

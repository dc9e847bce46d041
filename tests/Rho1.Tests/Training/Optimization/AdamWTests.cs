// Our AdamW against TorchSharp's reference AdamW: identical parameters after several steps, with and
// without weight decay, and vectors (norm weights) left undecayed.
using AdamW = Rho1.Training.Optimization.AdamW;
using Rho1.Training.Optimization;
using TorchAdamW = TorchSharp.Modules.AdamW;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Tests.Training.Optimization;

public class AdamWTests
{
    [Fact]
    public void Matches_torch_AdamW_on_decayed_and_undecayed_groups()
    {
        torch.manual_seed(9);
        var w0 = torch.randn(4, 3);
        var b0 = torch.randn(3);
        var ours = (W: new Parameter(w0.clone()), B: new Parameter(b0.clone()));
        var theirs = (W: new Parameter(w0.clone()), B: new Parameter(b0.clone()));
        var opt = new AdamW(new[] { ("w", ours.W), ("b", ours.B) }, 0.9, 0.95, 1e-8, 0.1);
        var reference = torch.optim.AdamW(new[]
        {
            new TorchAdamW.ParamGroup(new[] { theirs.W }, new TorchAdamW.Options { weight_decay = 0.1 }),
            new TorchAdamW.ParamGroup(new[] { theirs.B }, new TorchAdamW.Options { weight_decay = 0.0 }),
        }, lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8);
        var x = torch.randn(5, 4);
        for (int step = 0; step < 5; step++)
        {
            foreach (var (w, b) in new[] { ours, theirs })
            {
                var loss = (x.matmul(w) + b).pow(2).mean();
                loss.backward();
            }
            opt.Update(0.01);
            reference.step();
            opt.ZeroGrad();
            reference.zero_grad();
        }
        Assert.True(torch.allclose(ours.W, theirs.W, rtol: 1e-5, atol: 1e-7));
        Assert.True(torch.allclose(ours.B, theirs.B, rtol: 1e-5, atol: 1e-7));
        Assert.Equal(new[] { "w" }, opt.DecayedNames);
        Assert.Equal(5, opt.Step);
    }
}

// Our AdamW against TorchSharp's reference AdamW: identical parameters after several steps, with and
// without weight decay, and vectors (norm weights) left undecayed.
using AdamW = Rho1.Optimization.AdamW;
using Rho1.Optimization;
using TorchAdamW = TorchSharp.Modules.AdamW;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Tests.Optimization;

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

    static (Parameter W, Parameter B, AdamW Opt) Fresh()
    {
        var w = new Parameter(torch.randn(new long[] { 4, 3 }, generator: new Generator(3)));
        var b = new Parameter(torch.randn(new long[] { 3 }, generator: new Generator(4)));
        return (w, b, new AdamW([("w", w), ("b", b)], 0.9, 0.95, 1e-8, 0.1));
    }

    static void Gradients(Parameter w, Parameter b, int i, bool nan = false)
    {
        w.grad?.zero_();
        b.grad?.zero_();
        var x = torch.randn(new long[] { 2, 4 }, generator: new Generator((ulong)(10 + i)));
        var loss = (x.matmul(w) + b).pow(2).sum();
        (nan ? loss * double.NaN : loss).backward();
    }

    [Fact]
    public void A_gated_update_equals_the_plain_one_and_a_gated_skip_changes_nothing()
    {
        var (w1, b1, plain) = Fresh();
        var (w2, b2, gated) = Fresh();
        var apply = new[] { true, false, true, true, false, true };
        for (int i = 0; i < apply.Length; i++)
        {
            Gradients(w1, b1, i);
            if (apply[i]) plain.Update(1e-2);
            Gradients(w2, b2, i, nan: !apply[i]); // a skipped step's gradient is NaN: it must not leak in
            var before = (W: w2.detach().clone(), M: gated.State().Select(s => s.Tensor.clone()).ToList());
            gated.Update(1e-2, torch.tensor(apply[i]));
            if (!apply[i])
            {
                Assert.Equal(before.W.data<float>().ToArray(), w2.data<float>().ToArray());
                var after = gated.State().Select(s => s.Tensor).ToList();
                for (int k = 0; k < after.Count; k++)
                    Assert.Equal(before.M[k].data<float>().ToArray(), after[k].data<float>().ToArray());
            }
        }
        Assert.Equal(4, plain.Step);
        Assert.Equal(4, gated.Step);
        Assert.True(torch.allclose(w1, w2, rtol: 1e-5, atol: 1e-7));
        Assert.True(torch.allclose(b1, b2, rtol: 1e-5, atol: 1e-7));
        // A host-decided update after gated ones continues the same count.
        Gradients(w2, b2, 9);
        gated.Update(1e-2);
        Assert.Equal(5, gated.Step);
    }

    [Fact]
    public void A_first_update_that_is_skipped_leaves_a_fresh_optimizer_untouched()
    {
        var (w, b, opt) = Fresh();
        var w0 = w.detach().clone();
        Gradients(w, b, 0, nan: true);
        opt.Update(1e-2, torch.tensor(false));
        Assert.Equal(0, opt.Step);
        Assert.Equal(w0.data<float>().ToArray(), w.data<float>().ToArray());
        Assert.All(opt.State(), s => Assert.Equal(0f, s.Tensor.abs().max().item<float>()));
    }
}

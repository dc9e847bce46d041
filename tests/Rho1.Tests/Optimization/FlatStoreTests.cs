// The flat store of issue 35: parameters keep their values, names and shapes but become views of one weight buffer
// (matrices first, then vectors), their gradients views of one gradient buffer into which autograd accumulates; and
// AdamW over the store makes, bit for bit, the update a per-tensor loop (AdamStep on each tensor) makes.
using Rho1.Optimization;
using AdamW = Rho1.Optimization.AdamW;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Tests.Optimization;

public class FlatStoreTests
{
    static List<(string, Parameter)> Parameters() =>
    [
        ("norm", new Parameter(torch.randn([5], generator: new Generator(1)))),
        ("w1", new Parameter(torch.randn([7, 5], generator: new Generator(2)))),
        ("bias", new Parameter(torch.randn([3], generator: new Generator(3)))),
        ("w2", new Parameter(torch.randn([3, 11], generator: new Generator(4)))),
    ];

    [Fact]
    public void Parameters_become_views_of_one_buffer_and_gradients_accumulate_into_the_other()
    {
        var ps = Parameters();
        var before = ps.Select(p => p.Item2.detach().clone()).ToList();
        using var store = new FlatStore(ps);
        Assert.Equal(["w1", "w2", "norm", "bias"], store.Entries.Select(e => e.Name));
        Assert.Equal(["norm", "w1", "bias", "w2"], store.InGivenOrder.Select(e => e.Name));
        Assert.Equal(35 + 33, store.DecayedLength);
        Assert.Equal(35 + 33 + 5 + 3, store.Length);
        for (int i = 0; i < ps.Count; i++)
            Assert.True(ps[i].Item2.eq(before[i]).all().item<bool>(), $"{ps[i].Item1} changed value");
        // A write to the buffer is a write to the parameter, and the parameter's gradient lives in the other buffer.
        using (torch.no_grad()) store.Weights.narrow(0, 35, 1).fill_(42f);
        Assert.Equal(42f, ps[3].Item2[0, 0].item<float>());
        var x = torch.randn([2, 7], generator: new Generator(5));
        x.matmul(ps[1].Item2).sum().backward();
        x.matmul(ps[1].Item2).sum().backward();
        using var expected = x.sum(dim: 0).unsqueeze(1).expand(7, 5) * 2; // d/dW of sum(x·W), twice
        Assert.True(store.Gradients.narrow(0, 0, 35).view(7, 5).allclose(expected), "w1's gradient did not accumulate into the store");
        store.Gradients.zero_();
        Assert.Equal(0f, ps[1].Item2.grad!.abs().sum().item<float>());
    }

    [Fact]
    public void AdamW_over_the_store_equals_a_per_tensor_update_bit_for_bit()
    {
        var flat = Parameters();
        var loose = Parameters();
        using var optimizer = new AdamW(flat, 0.9, 0.95, 1e-8, 0.1);
        var m = loose.Select(p => torch.zeros_like(p.Item2)).ToList();
        var v = loose.Select(p => torch.zeros_like(p.Item2)).ToList();
        for (int step = 1; step <= 4; step++)
        {
            var grads = loose.Select((p, i) => torch.randn(p.Item2.shape, generator: new Generator((ulong)(100 * step + i)))).ToList();
            using (torch.no_grad())
                for (int i = 0; i < flat.Count; i++) flat[i].Item2.grad!.copy_(grads[i]);
            optimizer.Update(1e-2);
            using var adam = new AdamStep(1e-2, 0.9, 0.95, 1e-8, 0.1, step);
            using (torch.no_grad())
                for (int i = 0; i < loose.Count; i++) adam.Apply(loose[i].Item2, grads[i], m[i], v[i], loose[i].Item2.dim() >= 2);
            for (int i = 0; i < flat.Count; i++)
                Assert.True(flat[i].Item2.eq(loose[i].Item2).all().item<bool>(), $"step {step}: {flat[i].Item1} differs");
        }
        var state = optimizer.State().ToDictionary(s => s.Name, s => s.Tensor);
        for (int i = 0; i < loose.Count; i++)
            Assert.True(state["m." + loose[i].Item1].eq(m[i]).all().item<bool>() && state["v." + loose[i].Item1].eq(v[i]).all().item<bool>(), loose[i].Item1);
    }
}

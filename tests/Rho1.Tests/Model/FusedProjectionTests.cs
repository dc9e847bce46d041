// Fused projections against the separate ones they replace: in bf16 the joined matmul's outputs and each part's weight
// and bias gradients equal the per-projection path's to bf16 rounding, with one cached cast for the joined weight; in
// fp32 nothing is joined and the outputs are the separate projections' bits.
using Rho1.Model;
using TorchSharp;
using static TorchSharp.torch;
using Rho1.Model.Runtime;

namespace Rho1.Tests.Model;

public class FusedProjectionTests
{
    static List<Linear> Parts(ComputeCasts casts, bool bias)
    {
        var generator = new Generator(11);
        var parts = new List<Linear> { new(16, 24, casts, bias), new(16, 8, casts, bias), new(16, 8, casts, bias) }; // q, k, v of 2 kv heads
        using var noGrad = torch.no_grad();
        foreach (var p in parts)
        {
            p.Weight.copy_(torch.randn(p.Weight.shape, generator: generator) * 0.3);
            p.Bias?.copy_(torch.randn(p.Bias.shape, generator: generator));
        }
        return parts;
    }

    static (Tensor[] Outputs, Tensor[] Grads) Run(List<Linear> parts, Func<Tensor, Tensor[]> project)
    {
        var x = torch.randn([2, 5, 16], generator: new Generator(12));
        var outputs = project(x);
        var weights = outputs.Select((y, i) => torch.randn(y.shape, generator: new Generator((ulong)(20 + i)))).ToList();
        outputs.Zip(weights).Select(z => (z.First.to(ScalarType.Float32) * z.Second).sum()).Aggregate((a, b) => a + b).backward();
        var grads = parts.SelectMany(p => new[] { p.Weight.grad!.clone() }.Concat(p.Bias is null ? [] : [p.Bias.grad!.clone()])).ToArray();
        foreach (var p in parts) { p.Weight.grad = null; if (p.Bias is not null) p.Bias.grad = null; }
        return ([.. outputs.Select(o => o.detach().to(ScalarType.Float32))], grads);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // Qwen2's q/k/v biases joined too
    public void In_bf16_the_joined_matmul_equals_the_separate_projections_to_rounding(bool bias)
    {
        using var casts = new ComputeCasts { ComputeType = ScalarType.BFloat16 };
        var parts = Parts(casts, bias);
        var separate = Run(parts, x => [.. parts.Select(p => p.forward(x))]);
        casts.Invalidate();
        var fused = Run(parts, x => FusedProjection.Apply(parts, casts, x));
        Assert.Equal(bias ? 2 : 1, casts.Count); // one joined cast (and one of the joined biases); the parts' own casts were not kept
        Assert.Equal(separate.Outputs.Select(o => o.shape), fused.Outputs.Select(o => o.shape));
        foreach (var (a, b) in separate.Outputs.Zip(fused.Outputs).Concat(separate.Grads.Zip(fused.Grads)))
        {
            float scale = a.abs().max().item<float>();
            Assert.True((a - b).abs().max().item<float>() <= scale * 1e-2, "beyond bf16 rounding");
        }
    }

    [Fact]
    public void In_fp32_nothing_is_joined_and_the_outputs_are_the_separate_bits()
    {
        using var casts = new ComputeCasts();
        var parts = Parts(casts, bias: true);
        var separate = Run(parts, x => [.. parts.Select(p => p.forward(x))]);
        var fused = Run(parts, x => FusedProjection.Apply(parts, casts, x));
        Assert.Equal(0, casts.Count);
        Assert.All(separate.Outputs.Zip(fused.Outputs).Concat(separate.Grads.Zip(fused.Grads)), z => Assert.True(z.First.eq(z.Second).all().item<bool>()));
    }
}

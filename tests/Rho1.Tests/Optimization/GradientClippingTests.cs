// Global-norm clipping against a hand computation: gradients (3, 4) and (12) have norm 13.
using Rho1.Optimization;
using TorchSharp;
using TorchSharp.Modules;

namespace Rho1.Tests.Optimization;

public class GradientClippingTests
{
    static (Parameter A, Parameter B) WithGradients()
    {
        var a = new Parameter(torch.zeros(2));
        var b = new Parameter(torch.zeros(1));
        ((a * torch.tensor(new float[] { 3, 4 })).sum() + b.sum() * 12).backward();
        return (a, b);
    }

    [Fact]
    public void Above_the_limit_gradients_are_scaled_to_it_and_the_norm_before_is_returned()
    {
        var (a, b) = WithGradients();
        var norm = GradientClipping.ClipGlobalNorm([a, b], maxNorm: 6.5);
        Assert.Equal(13f, norm.item<float>(), 5);
        double scale = 6.5 / (13 + 1e-6);
        Assert.Equal(new[] { (float)(3 * scale), (float)(4 * scale) }, a.grad!.data<float>().ToArray());
        Assert.Equal((float)(12 * scale), b.grad!.item<float>());
        double after = Math.Sqrt(a.grad!.pow(2).sum().item<float>() + Math.Pow(b.grad!.item<float>(), 2));
        Assert.Equal(6.5, after, 5);
    }

    [Theory]
    [InlineData(20.0)]
    [InlineData(0.0)] // 0 disables clipping
    public void Below_the_limit_or_disabled_gradients_are_untouched(double maxNorm)
    {
        var (a, b) = WithGradients();
        var norm = GradientClipping.ClipGlobalNorm([a, b], maxNorm);
        Assert.Equal(13f, norm.item<float>(), 5);
        Assert.Equal(new float[] { 3, 4 }, a.grad!.data<float>().ToArray());
        Assert.Equal(12f, b.grad!.item<float>());
    }
}

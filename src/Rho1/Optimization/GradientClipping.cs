// Global gradient-norm clipping without a host read: the norm stays a device tensor until logging asks for it.
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Optimization;

public static class GradientClipping
{
    /// <summary>Scales gradients so their global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping, on the device.</summary>
    public static Tensor ClipGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        using var noGrad = torch.no_grad();
        var grads = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        var norm = torch.stack(grads.Select(g => g.pow(2).sum())).sum().sqrt();
        Scale(grads, norm, maxNorm);
        return norm;
    }

    /// <summary>Multiplies <paramref name="grads"/> by min(1, maxNorm / (norm + 1e-6)); nothing when <paramref name="maxNorm"/> is 0.</summary>
    public static void Scale(IEnumerable<Tensor> grads, Tensor norm, double maxNorm)
    {
        if (maxNorm <= 0) return;
        var scale = (maxNorm / (norm + 1e-6)).clamp_max(1.0);
        foreach (var g in grads) g.mul_(scale);
    }
}

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
        var squares = new List<Tensor>(grads.Count);
        foreach (var g in grads)
        {
            using var square = g.pow(2); // one gradient's square at a time, not every one's until the step ends
            squares.Add(square.sum());
        }
        var norm = torch.stack(squares).sum().sqrt();
        foreach (var square in squares) square.Dispose();
        Scale(grads, norm, maxNorm);
        foreach (var g in grads) g.Dispose(); // handles only: each parameter keeps its gradient
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

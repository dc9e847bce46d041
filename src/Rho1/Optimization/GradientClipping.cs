// Global gradient-norm clipping without a host read: the norm stays a device tensor until logging asks for it.
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Optimization;

public static class GradientClipping
{
    /// <summary>
    /// Scales gradients so their global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping, on the
    /// device. The norm is summed tensor by tensor; <paramref name="flat"/>, the buffer every gradient is a view of (FlatStore),
    /// is scaled in one call instead of tensor by tensor.
    /// </summary>
    public static Tensor ClipGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm, Tensor? flat = null)
    {
        using var noGrad = torch.no_grad();
        var grads = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        var squares = new List<Tensor>(grads.Count);
        foreach (var g in grads)
            squares.Add(SquaredSum(g));
        var norm = torch.stack(squares).sum().sqrt();
        foreach (var square in squares) square.Dispose();
        Scale(flat is null ? grads : [flat], norm, maxNorm);
        foreach (var g in grads) g.Dispose(); // handles only: each parameter keeps its gradient
        return norm;
    }

    /// <summary>Σ x² of <paramref name="values"/> (a 0-d tensor), squared AdamStep.BlockElements at a time: a temporary of one block,
    /// not of the tensor's size, and the same sum whoever computes it (AdamW, or ZeRO-1 with a parameter on one rank).</summary>
    public static Tensor SquaredSum(Tensor values)
    {
        long n = values.numel();
        if (n <= AdamStep.BlockElements)
        {
            using var square = values.pow(2);
            return square.sum();
        }
        using var flat = values.reshape(-1);
        var partial = new List<Tensor>();
        foreach (var (start, length) in AdamStep.Blocks(n))
        {
            using var block = flat.narrow(0, start, length);
            using var square = block.pow(2);
            partial.Add(square.sum());
        }
        var sum = torch.stack(partial).sum();
        foreach (var t in partial) t.Dispose();
        return sum;
    }

    /// <summary>Multiplies <paramref name="grads"/> by min(1, maxNorm / (norm + 1e-6)); nothing when <paramref name="maxNorm"/> is 0.</summary>
    public static void Scale(IEnumerable<Tensor> grads, Tensor norm, double maxNorm)
    {
        if (maxNorm <= 0) return;
        var scale = (maxNorm / (norm + 1e-6)).clamp_max(1.0);
        foreach (var g in grads) g.mul_(scale);
    }
}

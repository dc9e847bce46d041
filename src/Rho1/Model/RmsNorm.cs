// Root-mean-square layer norm (TorchSharp has none): y = x / sqrt(mean(x²) + eps) * weight.
// Computed in fp32 whatever the input dtype, then cast back, as bf16 statistics are too coarse.
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Rho1.Model;

public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] readonly Parameter _weight;
    // Held for the module's life: an implicit double → Scalar temporary can be finalized by the GC while libtorch still
    // reads it (TorchSharp 0.107 does not keep it alive across the native call; seen once as "Expected false to be true"
    // from c10::Scalar::toFloat in this very sum).
    readonly Scalar _eps;

    public RmsNorm(int dim, double eps) : base(nameof(RmsNorm))
    {
        if (dim <= 0) throw new ArgumentOutOfRangeException(nameof(dim), dim, "must be positive");
        _eps = eps.ToScalar();
        _weight = new Parameter(torch.ones(dim));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var x32 = x.to(ScalarType.Float32);
        // the exponent, eps and alpha held: no Scalar temporary at all (see HeldScalars; TorchSharp's square() is pow(2) with a
        // fresh Scalar, which also left ~100 bytes of native memory per call to the finalizer, enough live scraps between
        // freed activations to grow the heap ~10 MB per micro-batch until a .NET GC ran)
        var normed = x32 * torch.rsqrt(x32.pow(HeldScalars.Two).mean(new long[] { -1 }, keepdim: true).add(_eps, HeldScalars.One));
        return (normed * _weight).to(x.dtype).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _eps.Dispose();
        base.Dispose(disposing);
    }
}

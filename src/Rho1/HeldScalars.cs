// Scalars that live as long as the process. TorchSharp 0.107 turns every implicit number (the alpha of `a + b`, the
// eps of `x + 1e-5`) into a temporary Scalar whose finalizer may run on the GC's thread while libtorch still reads it
// in the call it was made for; a sweep died twice of it during task scoring ("Expected false to be true" from
// c10::Scalar::toFloat inside add). The forward pass's additions pass these instead, which are never finalized; every
// other number is held by its caller (x.ToScalar() in a using). src/BannedSymbols.txt makes a bare number a build error.
using TorchSharp;

namespace Rho1;

internal static class HeldScalars
{
    /// <summary>0, the start of a range (TorchSharp's arange(stop) makes a temporary 0 and 1).</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>1, the alpha of a plain addition and the step of a range.</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>1.0 (a double): the floor of a count that divides (clamp_min), a mask's fill.</summary>
    public static readonly Scalar OneDouble = 1.0.ToScalar();

    /// <summary>2, a square's exponent (TorchSharp's square() is pow with a temporary 2).</summary>
    public static readonly Scalar Two = 2.ToScalar();

    /// <summary>0.5: a soft weight's "selected".</summary>
    public static readonly Scalar Half = 0.5.ToScalar();
}

// Scalars that live as long as the process. TorchSharp 0.107 turns every implicit number (the alpha of `a + b`, the
// eps of `x + 1e-5`) into a temporary Scalar whose finalizer may run on the GC's thread while libtorch still reads it
// in the call it was made for; a sweep died twice of it during task scoring ("Expected false to be true" from
// c10::Scalar::toFloat inside add). The forward pass's additions pass these instead, which are never finalized.
using TorchSharp;

namespace Rho1.Model;

internal static class HeldScalars
{
    /// <summary>1, the alpha of a plain addition.</summary>
    public static readonly Scalar One = 1.ToScalar();
}

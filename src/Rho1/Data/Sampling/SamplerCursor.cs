// Where a WindowSampler stands: saved in checkpoints so that a resumed run reads the same windows.

namespace Rho1.Data.Sampling;

/// <summary>Sampler position: <paramref name="Epoch"/> (from 0) and windows already taken in it.</summary>
public readonly record struct SamplerCursor(long Epoch, long Position);

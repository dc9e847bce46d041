// SplitMix64 (Steele, Lea and Flood 2014): the one PRNG of the data pipeline, so that the train/val split and
// the window order are fixed by the seed alone and never depend on the .NET version's System.Random.

namespace Rho1.Data;

internal struct SplitMix64(ulong seed)
{
    ulong _state = seed;

    public ulong Next()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, <paramref name="n"/>), without modulo bias (Lemire's multiply-and-reject).</summary>
    public ulong NextBelow(ulong n)
    {
        if (n == 0)
            throw new ArgumentOutOfRangeException(nameof(n), "the range must not be empty");
        ulong high = Math.BigMul(Next(), n, out ulong low);
        if (low < n)
        {
            ulong threshold = (0 - n) % n;
            while (low < threshold)
                high = Math.BigMul(Next(), n, out low);
        }
        return high;
    }

    /// <summary>The SplitMix64 finaliser: a bijection of 64-bit values with full avalanche.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Maps 64 random bits to a double uniform in [0, 1).</summary>
    public static double UnitInterval(ulong bits) => (bits >> 11) * (1.0 / (1UL << 53));
}

// Splits an input's slices (text files, Parquet row groups) into N contiguous runs of about equal bytes, for
// `prepare --part I/N`, and fingerprints the input so that parts of different inputs are not merged. Every part sees
// the same sorted list of slices, so the runs are the same whichever machine computes them.
using System.Security.Cryptography;
using System.Text;

namespace Rho1.Data.Prepare;

internal static class InputPartition
{
    /// <summary>[First, End) of part <paramref name="part"/>: slice i belongs to the part its first byte falls in.</summary>
    public static (int First, int End) Range(IReadOnlyList<long> sliceBytes, InputPart part)
    {
        if (sliceBytes.Count < part.Count)
            throw new UserErrorException($"--part {part.Index}/{part.Count}: the input has only {sliceBytes.Count} slice(s) (files and Parquet row groups) " +
                $"to share among {part.Count} parts; use at most {sliceBytes.Count} parts");
        double total = Math.Max(1, sliceBytes.Sum());
        int n = part.Count, count = sliceBytes.Count, previous = -1;
        var owner = new int[count];
        double before = 0;
        for (int i = 0; i < count; i++)
        {
            // The part the slice's first byte falls in, but no part left without a slice: owners rise by at most one per
            // slice, and fast enough that the remaining slices reach the last part.
            int byBytes = (int)Math.Floor(before / total * n);
            owner[i] = Math.Clamp(byBytes, Math.Max(previous, n - (count - i)), Math.Min(n - 1, previous + 1));
            previous = owner[i];
            before += sliceBytes[i];
        }
        int first = Array.IndexOf(owner, part.Index - 1), end = Array.LastIndexOf(owner, part.Index - 1) + 1;
        return (first, end);
    }

    /// <summary>SHA-256 over the input files' names (not their folders, which differ between machines), sizes and the slice count.</summary>
    public static string Fingerprint(IReadOnlyList<InputFile> files, int slices)
    {
        var text = new StringBuilder();
        foreach (var f in files)
            text.Append(Path.GetFileName(f.Path)).Append(' ').Append(f.Bytes).Append('\n');
        text.Append(slices).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}

// `prepare --part I/N`: which share of the input one process prepares, so that a corpus too large for one process is
// prepared in parts (on one machine or several) and merged (rho1 merge-datasets).

namespace Rho1.Data.Prepare;

/// <summary>The I-th (from 1) of N parts of an input, as `prepare --part I/N` gives it.</summary>
public sealed record InputPart(int Index, int Count)
{
    /// <summary>Parses "I/N"; refuses anything but 1 &lt;= I &lt;= N.</summary>
    public static InputPart Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n >= 1 && i >= 1 && i <= n)
            return new InputPart(i, n);
        throw new UserErrorException($"--part {text}: expected I/N with 1 <= I <= N (e.g. --part 2/8)");
    }
}

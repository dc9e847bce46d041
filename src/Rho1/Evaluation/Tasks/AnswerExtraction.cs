// The answer inside a generated text, the GSM8K way: the number after "#### " when there is one, else the last number
// in the text, else the whole text; or the first group (else the whole match) of a user's --answer-regex. Both sides
// of the comparison are normalised the same way: commas, dollar signs and a final full stop dropped, spaces trimmed.
using System.Text.RegularExpressions;

namespace Rho1.Evaluation.Tasks;

public static partial class AnswerExtraction
{
    /// <summary>The answer a reference text states: what follows "####" if present, else the text, normalised.</summary>
    public static string Reference(string text)
    {
        int mark = text.LastIndexOf("####", StringComparison.Ordinal);
        return Normalise(mark >= 0 ? text[(mark + 4)..] : text);
    }

    /// <summary>The answer of a generated text; with <paramref name="pattern"/>, its first group (or whole match), empty when it does not match.</summary>
    public static string Predicted(string generated, Regex? pattern = null)
    {
        if (pattern != null)
        {
            var m = pattern.Match(generated);
            return !m.Success ? "" : Normalise(m.Groups.Count > 1 && m.Groups[1].Success ? m.Groups[1].Value : m.Value);
        }
        var strict = Strict().Match(generated);
        if (strict.Success) return Normalise(strict.Groups[1].Value);
        var numbers = Number().Matches(generated);
        return numbers.Count > 0 ? Normalise(numbers[^1].Value) : Normalise(generated);
    }

    /// <summary>lm-evaluation-harness's gsm8k "strict-match": the number after the first "#### ", normalised; "[invalid]" without one.</summary>
    public static string StrictMatch(string generated)
    {
        var m = Strict().Match(generated);
        return m.Success ? Normalise(m.Groups[1].Value) : "[invalid]";
    }

    /// <summary>lm-evaluation-harness's gsm8k "flexible-extract": the last number-like run (two or more of -$0-9.,, or digits), normalised; "[invalid]" without one.</summary>
    public static string FlexibleExtract(string generated)
    {
        var all = Flexible().Matches(generated);
        return all.Count > 0 ? Normalise(all[^1].Value) : "[invalid]";
    }

    /// <summary>Compiles a user's --answer-regex, refusing an invalid one in one line.</summary>
    public static Regex Compile(string pattern)
    {
        try { return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
        catch (ArgumentException e) { throw new UserErrorException($"--answer-regex \"{pattern}\" is not a valid regular expression ({e.Message})", e); }
    }

    public static string Normalise(string answer) => answer.Replace(",", "").Replace("$", "").Trim().TrimEnd('.').Trim();

    [GeneratedRegex(@"#### (\-?[0-9\.\,]+)")]
    private static partial Regex Strict();

    [GeneratedRegex(@"-?[$0-9.,]*[0-9]+")]
    private static partial Regex Number();

    [GeneratedRegex(@"(-?[$0-9.,]{2,})|(-?[0-9]+)")]
    private static partial Regex Flexible();
}

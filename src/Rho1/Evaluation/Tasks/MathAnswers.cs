// MATH answers the way lm-evaluation-harness's hendrycks_math task compares them (after Hendrycks et al.'s reference
// code): the reference is the last \boxed{…} (or \fbox{…}) of the solution, nested braces counted; a generation's
// answer is its last \boxed{…}, else what follows "The final answer is" (Minerva's format); both are normalised by
// Strip (no line breaks, \left and \right, dfrac and tfrac as frac, degrees, dollars, \%, right-hand units, spaces,
// shorthand \frac12 and \sqrt2, a/b as \frac{a}{b}, 0.5 as \frac{1}{2}, "x = 5" as 5) and compared as strings; where
// the reference code would fail on a string, the raw strings are compared, as it does.
using System.Text.RegularExpressions;

namespace Rho1.Evaluation.Tasks;

public static partial class MathAnswers
{
    /// <summary>The content of the last \boxed{…} or \fbox{…} of <paramref name="text"/> ("\boxed 5" too); null when there is none or it is unclosed.</summary>
    public static string? LastBoxed(string text)
    {
        int spaced = text.LastIndexOf("\\boxed ", StringComparison.Ordinal);
        int at = text.LastIndexOf("\\boxed", StringComparison.Ordinal);
        if (spaced >= 0 && spaced == at) return text[(spaced + "\\boxed ".Length)..].Split('$')[0];
        string open = "\\boxed";
        if (at < 0) { at = text.LastIndexOf("\\fbox", StringComparison.Ordinal); open = "\\fbox"; }
        if (at < 0) return null;
        int depth = 0;
        for (int i = at; i < text.Length; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0)
            {
                int start = at + open.Length;
                return start < i && text[start] == '{' ? text[(start + 1)..i] : null;
            }
        }
        return null;
    }

    /// <summary>A generation's answer: its last boxed content, else what follows "The final answer is", else empty.</summary>
    public static string Predicted(string generated)
    {
        if (LastBoxed(generated) is { } boxed) return boxed;
        var final = FinalAnswer().Match(generated);
        return final.Success ? final.Groups[1].Value.Trim().Trim('$').Trim() : "";
    }

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> are the same answer once both are normalised (raw equality where normalising fails).</summary>
    public static bool Equivalent(string a, string b) => Strip(a) is { } x && Strip(b) is { } y ? x == y : a == b;

    /// <summary>The normalised answer; null where the reference code raises (more than one "\text{ " unit, a bare \sqrt or \frac at the end).</summary>
    public static string? Strip(string s)
    {
        s = s.Replace("\n", "").Replace("\\!", "").Replace("\\\\", "\\").Replace("tfrac", "frac").Replace("dfrac", "frac")
            .Replace("\\left", "").Replace("\\right", "").Replace("^{\\circ}", "").Replace("^\\circ", "").Replace("\\$", "");
        var units = s.Split("\\text{ ");
        if (units.Length > 2) return null;
        s = units[0].Replace("\\%", "").Replace(" .", " 0.").Replace("{.", "{0."); // a bare % stays, as in the reference
        if (s.Length == 0) return s;
        if (s[0] == '.') s = "0" + s;
        var sides = s.Split('=');
        if (sides.Length == 2 && sides[0].Length <= 2) s = sides[1];
        if (FixSqrt(s) is not { } sqrt) return null;
        s = sqrt.Replace(" ", "");
        if (FixFracs(s) is not { } fracs) return null;
        s = fracs == "0.5" ? "\\frac{1}{2}" : fracs;
        return FixSlash(s);
    }

    static string? FixSqrt(string s)
    {
        var parts = s.Split("\\sqrt");
        string result = parts[0];
        foreach (var part in parts.Skip(1))
        {
            if (part.Length == 0) return null;
            result += part[0] == '{' ? "\\sqrt" + part : "\\sqrt{" + part[0] + "}" + part[1..];
        }
        return result;
    }

    static string? FixFracs(string s)
    {
        var parts = s.Split("\\frac");
        string result = parts[0];
        foreach (var part in parts.Skip(1))
        {
            result += "\\frac";
            if (part.Length == 0) return null; // the reference code raises here
            if (part[0] == '{') { result += part; continue; }
            if (part.Length < 2) return s; // as the reference: the string unchanged
            char a = part[0], b = part[1];
            result += b != '{' ? "{" + a + "}{" + b + "}" + part[2..] : "{" + a + "}" + b + part[2..];
        }
        return result;
    }

    static string FixSlash(string s)
    {
        var parts = s.Split('/');
        return parts.Length == 2 && int.TryParse(parts[0], out int a) && int.TryParse(parts[1], out int b) && s == $"{a}/{b}" ? $"\\frac{{{a}}}{{{b}}}" : s;
    }

    [GeneratedRegex(@"[Tt]he final answer is\s*(.+?)(?:\.\s*I hope it is correct|\.?\s*$)", RegexOptions.Singleline)]
    private static partial Regex FinalAnswer();
}

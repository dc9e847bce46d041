// Deterministic synthetic documents for data tests: varied lengths, Unicode, whitespace runs and blank lines.
using System.Text;
using System.Text.Json;

namespace Rho1.Tests.Data;

public static class Corpus
{
    static readonly string[] Words =
        ["the", "cat", "sat", "on", "a", "mat", "Grüße", "日本語", "🎉", "naïve", "  ", "\t", "x=1;", "über", "données", "ok"];

    public static string[] Documents(int count, int seed = 7)
    {
        var rng = new Random(seed); // test data only; the pipeline itself never uses System.Random
        var documents = new string[count];
        for (int d = 0; d < count; d++)
        {
            var text = new StringBuilder();
            int words = 1 + rng.Next(d % 10 == 0 ? 400 : 40);
            for (int w = 0; w < words; w++)
                text.Append(Words[rng.Next(Words.Length)]).Append(w % 13 == 12 ? "\n" : " ");
            documents[d] = text.ToString().TrimEnd('\n', ' ') + $" #{d}";
        }
        return documents;
    }

    public static string Jsonl(IEnumerable<string> documents, string field = "text") =>
        string.Concat(documents.Select(d => JsonSerializer.Serialize(new Dictionary<string, string> { [field] = d }) + "\n"));
}

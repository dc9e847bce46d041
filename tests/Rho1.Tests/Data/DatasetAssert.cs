// Helpers that read a prepared dataset back as plain arrays, so tests compare against naive expectations.
using Rho1.Data.Reading;

namespace Rho1.Tests.Data;

public static class DatasetAssert
{
    public static long[] AllTokens(string directory, string split)
    {
        using var dataset = TokenDataset.Open(directory);
        var s = dataset.Split(split);
        var tokens = new long[s.Length];
        s.Read(0, tokens);
        return tokens;
    }

    /// <summary>The documents of a split, cut at EOS and decoded with <paramref name="decode"/>.</summary>
    public static List<string> Documents(string directory, string split, int eosId, Func<int[], string> decode)
    {
        var documents = new List<string>();
        var current = new List<int>();
        foreach (long id in AllTokens(directory, split))
        {
            if (id == eosId)
            {
                documents.Add(decode([.. current]));
                current.Clear();
            }
            else
            {
                current.Add((int)id);
            }
        }
        Assert.Empty(current); // every split ends with EOS
        return documents;
    }

    /// <summary>Every file's bytes, with meta.json's creation time blanked out.</summary>
    public static Dictionary<string, byte[]> Files(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(directory, f),
            f => Path.GetFileName(f) == "meta.json"
                ? System.Text.Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(f), "\"created\": \"[^\"]*\"", ""))
                : File.ReadAllBytes(f));
}

// Generated corpora for the quickstart and the tests, deterministic from a seed: clean text from a small
// English-like grammar with consistent facts (learnable), and noisy text that mixes the same kind of clean
// text with unlearnable noise (hex identifiers, hashes, base64 blobs, header-like lines). Not a benchmark.
using System.Text;
using System.Text.Json;

namespace Rho1.Data.Synthetic;

public static class SyntheticCorpus
{
    static readonly string[] Nouns = { "fox", "dog", "cat", "bird", "horse", "farmer", "teacher", "child", "river", "garden", "king", "queen", "sailor", "baker", "doctor", "robot" };
    static readonly string[] Adjectives = { "quick", "lazy", "old", "young", "red", "green", "quiet", "brave", "small", "tall", "happy", "clever" };
    static readonly string[] Verbs = { "sees", "follows", "helps", "finds", "likes", "watches", "calls", "meets", "feeds", "paints" };
    static readonly string[] Places = { "in the park", "by the river", "at the market", "near the house", "under the tree", "on the hill" };
    static readonly string[] Times = { "every morning", "at night", "in the spring", "after dinner", "on sunday", "before noon" };

    /// <summary>One clean document of <paramref name="sentences"/> sentences.</summary>
    public static string Clean(ulong seed, int sentences)
    {
        var rng = new SplitMix64(seed);
        var text = new StringBuilder();
        for (int s = 0; s < sentences; s++)
        {
            string Pick(string[] a) => a[(int)rng.NextBelow((ulong)a.Length)];
            int subject = (int)rng.NextBelow((ulong)Nouns.Length);
            // A fixed fact per noun (its usual adjective) gives the model something real to learn.
            string adjective = rng.NextBelow(4) == 0 ? Pick(Adjectives) : Adjectives[subject % Adjectives.Length];
            string sentence = rng.NextBelow(3) switch
            {
                0 => $"the {adjective} {Nouns[subject]} {Pick(Verbs)} the {Pick(Nouns)} {Pick(Places)}.",
                1 => $"{Pick(Times)}, the {Nouns[subject]} {Pick(Verbs)} a {Pick(Adjectives)} {Pick(Nouns)}.",
                _ => $"the {Nouns[subject]} is {adjective} and {Pick(Verbs)} the {Pick(Nouns)} {Pick(Times)}.",
            };
            text.Append(char.ToUpperInvariant(sentence[0])).Append(sentence, 1, sentence.Length - 1);
            text.Append(s % 5 == 4 ? "\n" : " ");
        }
        return text.ToString().TrimEnd();
    }

    /// <summary>One line of unlearnable noise: random identifiers, hashes and base64.</summary>
    public static string Noise(ulong seed)
    {
        var rng = new SplitMix64(seed);
        string Hex(int n)
        {
            var b = new StringBuilder(n);
            for (int i = 0; i < n; i++) b.Append("0123456789abcdef"[(int)rng.NextBelow(16)]);
            return b.ToString();
        }
        string Base64(int bytes)
        {
            var raw = new byte[bytes];
            for (int i = 0; i < bytes; i++) raw[i] = (byte)rng.NextBelow(256);
            return Convert.ToBase64String(raw);
        }
        return rng.NextBelow(4) switch
        {
            0 => $"Message-ID: <{Hex(16)}.{Hex(8)}@{Hex(6)}.example>",
            1 => $"sha1={Hex(40)} id={Hex(12)}",
            2 => $"data:{Base64(36)}",
            _ => $"X-Trace: {Hex(8)}-{Hex(4)}-{Hex(4)}-{Hex(12)} seq={rng.NextBelow(1_000_000_000)}",
        };
    }

    /// <summary>A clean document with noise lines mixed in, so that about <paramref name="noiseShare"/> of its characters are noise.</summary>
    public static string Noisy(ulong seed, int sentences, double noiseShare)
    {
        var rng = new SplitMix64(seed ^ 0x5DEECE66DUL);
        string clean = Clean(seed, sentences);
        var lines = clean.Split('\n').ToList();
        var text = new StringBuilder();
        long cleanChars = 0, noiseChars = 0;
        foreach (string line in lines)
        {
            text.Append(line).Append('\n');
            cleanChars += line.Length;
            while (noiseChars < noiseShare / (1 - noiseShare) * cleanChars)
            {
                string noise = Noise(rng.Next());
                text.Append(noise).Append('\n');
                noiseChars += noise.Length;
            }
        }
        return text.ToString().TrimEnd();
    }

    /// <summary>Writes clean.jsonl, noisy.jsonl and heldout.jsonl (field "text") into <paramref name="dir"/>.</summary>
    public static void Write(string dir, ulong seed, int cleanDocs, int noisyDocs, int heldoutDocs, double noiseShare = 0.35, int sentences = 20)
    {
        Directory.CreateDirectory(dir);
        void Jsonl(string name, int count, Func<ulong, string> make)
        {
            using var w = new StreamWriter(Path.Combine(dir, name), false, new UTF8Encoding(false));
            for (int d = 0; d < count; d++)
                w.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = make(SplitMix64.Mix(seed + (ulong)d)) }));
        }
        Jsonl("clean.jsonl", cleanDocs, s => Clean(s, sentences));
        Jsonl("noisy.jsonl", noisyDocs, s => Noisy(s ^ 0xABCDEFUL, sentences, noiseShare));
        Jsonl("heldout.jsonl", heldoutDocs, s => Clean(s ^ 0x123456789UL, sentences));
    }
}

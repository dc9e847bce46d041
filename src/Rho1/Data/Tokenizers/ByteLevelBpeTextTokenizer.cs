// A GPT-2-style byte-level BPE tokenizer (Microsoft.ML.Tokenizers' BpeTokenizer, pooled for parallel encoding),
// whatever files it was read from: vocab.json + merges.txt (BpePairTextTokenizer) or a Hugging Face
// tokenizer.json (TokenizerJsonLoader). Holds what those have in common: the end-of-text rule, encode and decode,
// GPT-2's pre-tokenisation pattern and its byte-to-symbol alphabet.
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Rho1.Data.Tokenizers;

internal sealed partial class ByteLevelBpeTextTokenizer : ITextTokenizer
{
    readonly InstancePool<BpeTokenizer> _pool;
    readonly TokenizerJsonRules? _rules;
    readonly IReadOnlyDictionary<string, int>? _vocab; // for ignore_merges
    readonly Regex? _split;                              // the pre-tokenizer's regex, for ignore_merges

    /// <param name="endOfText">The vocabulary's end-of-text id; null: a synthetic one just past the vocabulary.</param>
    /// <param name="beginOfText">The files' beginning-of-sequence id, if they name one.</param>
    /// <param name="rules">What a tokenizer.json adds to the BPE (normal form, added tokens, ignore_merges); null: plain GPT-2 style.</param>
    public ByteLevelBpeTextTokenizer(string id, IEnumerable<string> files, BpeTokenizer first, Func<BpeTokenizer> create, int vocabSize, int? endOfText,
        int? beginOfText = null, TokenizerJsonRules? rules = null, IReadOnlyDictionary<string, int>? vocab = null)
    {
        BosId = beginOfText;
        _rules = rules;
        if (rules is { IgnoreMerges: true })
        {
            _vocab = vocab ?? throw new ArgumentNullException(nameof(vocab), "ignore_merges needs the vocabulary");
            _split = rules.SplitPattern is null ? Gpt2Pattern() : new Regex(rules.SplitPattern, RegexOptions.Compiled);
        }
        _pool = new InstancePool<BpeTokenizer>(first, create);
        Id = id;
        Files = [.. files.Select(Path.GetFullPath)];
        EosId = endOfText ?? vocabSize;
        VocabSize = endOfText is null ? vocabSize + 1 : vocabSize;
    }

    public string Id { get; }
    public int VocabSize { get; }
    public int EosId { get; }
    public int? BosId { get; }
    public bool FramesWithBos { get; init; }
    /// <summary>Every token by its spelling, special ones included (set by the loader; empty: unknown).</summary>
    public IReadOnlyDictionary<string, int> Tokens { get; init; } = new Dictionary<string, int>();
    public int? IdOf(string token) => Tokens.TryGetValue(token, out int id) ? id : null;
    public IReadOnlyList<string> Files { get; }

    // GPT-2's pre-tokenisation pattern: contractions, letter runs, digit runs, other runs, whitespace.
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    internal static partial Regex Gpt2Pattern();

    /// <summary>GPT-2's printable stand-ins for the 256 byte values (bytes_to_unicode).</summary>
    internal static IEnumerable<string> ByteLevelAlphabet
    {
        get
        {
            int shifted = 0;
            for (int b = 0; b < 256; b++)
            {
                bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
                yield return ((char)(printable ? b : 256 + shifted++)).ToString();
            }
        }
    }

    static readonly char[] ByteSymbols = [.. ByteLevelAlphabet.Select(s => s[0])];

    public int[] Encode(string text)
    {
        if (text.Length == 0) return [];
        if (_rules is null) return _pool.Use(inner => inner.EncodeToIds(text).ToArray());
        var ids = new List<int>();
        int start = 0;
        // Non-special added tokens are matched first, leftmost and then longest, as Hugging Face's library does.
        for (int i = 0; i < text.Length && _rules.AddedTokens.Count > 0; i++)
        {
            string? match = null;
            foreach (string token in _rules.AddedTokens.Keys)
                if (string.CompareOrdinal(text, i, token, 0, token.Length) == 0 && (match is null || token.Length > match.Length))
                    match = token;
            if (match is null) continue;
            EncodeSegment(text[start..i], ids);
            ids.Add(_rules.AddedTokens[match]);
            start = i + match.Length;
            i = start - 1;
        }
        EncodeSegment(text[start..], ids);
        return [.. ids];
    }

    void EncodeSegment(string segment, List<int> ids)
    {
        if (segment.Length == 0) return;
        if (_rules!.Normalization is { } form)
        {
            try { segment = segment.Normalize(form); }
            catch (ArgumentException) { } // a lone surrogate: not normalisable, encoded as it is
        }
        if (_split is null || _vocab is null)
        {
            ids.AddRange(_pool.Use(inner => inner.EncodeToIds(segment)));
            return;
        }
        foreach (Match word in _split.Matches(segment))
        {
            var bytes = Encoding.UTF8.GetBytes(word.Value);
            string symbols = string.Create(bytes.Length, bytes, (span, b) => { for (int k = 0; k < b.Length; k++) span[k] = ByteSymbols[b[k]]; });
            if (_vocab.TryGetValue(symbols, out int whole))
                ids.Add(whole); // ignore_merges: a word in the vocabulary is one token
            else
                ids.AddRange(_pool.Use(inner => inner.EncodeToIds(word.Value)));
        }
    }

    public string Decode(ReadOnlySpan<int> ids) => EosAwareDecoder.Decode(ids, EosId, segment => _pool.First.Decode(segment) ?? "");
}

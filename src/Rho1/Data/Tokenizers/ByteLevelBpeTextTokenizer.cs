// A GPT-2-style byte-level BPE tokenizer (Microsoft.ML.Tokenizers' BpeTokenizer, pooled for parallel encoding),
// whatever files it was read from: vocab.json + merges.txt (BpePairTextTokenizer) or a Hugging Face
// tokenizer.json (TokenizerJsonLoader). Holds what those have in common: the end-of-text rule, encode and decode,
// GPT-2's pre-tokenisation pattern and its byte-to-symbol alphabet.
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Rho1.Data.Tokenizers;

internal sealed partial class ByteLevelBpeTextTokenizer : ITextTokenizer
{
    readonly InstancePool<BpeTokenizer> _pool;

    /// <param name="endOfText">The vocabulary's end-of-text id; null: a synthetic one just past the vocabulary.</param>
    /// <param name="beginOfText">The files' beginning-of-sequence id, if they name one.</param>
    public ByteLevelBpeTextTokenizer(string id, IEnumerable<string> files, BpeTokenizer first, Func<BpeTokenizer> create, int vocabSize, int? endOfText,
        int? beginOfText = null)
    {
        BosId = beginOfText;
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

    public int[] Encode(string text) => text.Length == 0 ? [] : _pool.Use(inner => inner.EncodeToIds(text).ToArray());

    public string Decode(ReadOnlySpan<int> ids) => EosAwareDecoder.Decode(ids, EosId, segment => _pool.First.Decode(segment) ?? "");
}

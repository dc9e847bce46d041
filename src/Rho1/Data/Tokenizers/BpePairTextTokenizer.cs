// A GPT-2-style byte-level BPE given as vocab.json plus merges.txt beside it (Hugging Face layout), loaded
// through Microsoft.ML.Tokenizers' BpeTokenizer. Character-level BPE vocabularies (with </w> or an <unk>) are
// refused: they cannot encode every byte, so decode(encode(text)) would not give the text back.
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Rho1.Data.Tokenizers;

internal sealed partial class BpePairTextTokenizer : ITextTokenizer
{
    readonly InstancePool<BpeTokenizer> _pool;

    BpePairTextTokenizer(string vocabPath, string mergesPath, BpeTokenizer inner, int vocabSize, int? endOfText)
    {
        _pool = new InstancePool<BpeTokenizer>(inner, () => Create(vocabPath, mergesPath));
        Id = $"bpe:{Path.GetFileName(vocabPath)}@{TokenizerFactory.ShortHash(vocabPath, mergesPath)}";
        Files = [Path.GetFullPath(vocabPath), Path.GetFullPath(mergesPath)];
        EosId = endOfText ?? vocabSize;
        VocabSize = endOfText is null ? vocabSize + 1 : vocabSize;
    }

    public string Id { get; }
    public int VocabSize { get; }
    public int EosId { get; }
    public IReadOnlyList<string> Files { get; }

    // GPT-2's pre-tokenisation pattern: contractions, letter runs, digit runs, other runs, whitespace.
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex Gpt2Pattern();

    public static BpePairTextTokenizer Load(string vocabPath, string mergesPath)
    {
        Dictionary<string, int> vocab;
        try
        {
            using var stream = File.OpenRead(vocabPath);
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(stream)
                ?? throw new JsonException("the file holds null");
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"tokenizer file {vocabPath} is not a JSON object of token -> id ({e.Message})", e);
        }
        int missing = ByteLevelAlphabet.Count(symbol => !vocab.ContainsKey(symbol));
        if (missing > 0)
            throw new UserErrorException(
                $"tokenizer file {vocabPath} lacks {missing} of the 256 byte-level symbols; only GPT-2-style byte-level BPE vocabularies are supported");
        try
        {
            var inner = Create(vocabPath, mergesPath);
            int? endOfText = vocab.TryGetValue(EosAwareDecoder.Marker, out int eos) ? eos : null;
            return new BpePairTextTokenizer(vocabPath, mergesPath, inner, vocab.Values.Max() + 1, endOfText);
        }
        catch (Exception e) when (e is not UserErrorException)
        {
            throw new UserErrorException($"tokenizer files {vocabPath} and {mergesPath} could not be loaded as BPE ({e.Message})", e);
        }
    }

    static BpeTokenizer Create(string vocabPath, string mergesPath) => BpeTokenizer.Create(new BpeOptions(vocabPath, mergesPath)
    {
        ByteLevel = true,
        PreTokenizer = new RegexPreTokenizer(Gpt2Pattern(), null),
    });

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

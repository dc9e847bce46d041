// A GPT-2-style byte-level BPE given as vocab.json plus merges.txt beside it (Hugging Face layout), loaded
// into a ByteLevelBpeTextTokenizer. Character-level BPE vocabularies (with </w> or an <unk>) are
// refused: they cannot encode every byte, so decode(encode(text)) would not give the text back.
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Rho1.Data.Tokenizers;

internal static class BpePairTextTokenizer
{
    public static ByteLevelBpeTextTokenizer Load(string vocabPath, string mergesPath)
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
        int missing = ByteLevelBpeTextTokenizer.ByteLevelAlphabet.Count(symbol => !vocab.ContainsKey(symbol));
        if (missing > 0)
            throw new UserErrorException(
                $"tokenizer file {vocabPath} lacks {missing} of the 256 byte-level symbols; only GPT-2-style byte-level BPE vocabularies are supported");
        try
        {
            var inner = Create(vocabPath, mergesPath);
            int? endOfText = vocab.TryGetValue(EosAwareDecoder.Marker, out int eos) ? eos : null;
            return new ByteLevelBpeTextTokenizer($"bpe:{Path.GetFileName(vocabPath)}@{TokenizerFactory.ShortHash(vocabPath, mergesPath)}", [vocabPath, mergesPath],
                inner, () => Create(vocabPath, mergesPath), vocab.Values.Max() + 1, endOfText);
        }
        catch (Exception e) when (e is not UserErrorException)
        {
            throw new UserErrorException($"tokenizer files {vocabPath} and {mergesPath} could not be loaded as BPE ({e.Message})", e);
        }
    }

    static BpeTokenizer Create(string vocabPath, string mergesPath) => BpeTokenizer.Create(new BpeOptions(vocabPath, mergesPath)
    {
        ByteLevel = true,
        PreTokenizer = new RegexPreTokenizer(ByteLevelBpeTextTokenizer.Gpt2Pattern(), null),
    });

}

// A SentencePiece / Llama `.model` file loaded through Microsoft.ML.Tokenizers' LlamaTokenizer.
// Encoding adds neither BOS nor EOS: the pipeline appends EOS itself, after every document.
using Microsoft.ML.Tokenizers;

namespace Rho1.Data.Tokenizers;

internal sealed class SentencePieceTextTokenizer : ITextTokenizer
{
    readonly SentencePieceTokenizer _inner;

    SentencePieceTextTokenizer(string path, SentencePieceTokenizer inner)
    {
        _inner = inner;
        Id = $"sentencepiece:{Path.GetFileName(path)}@{TokenizerFactory.ShortHash(path)}";
        Files = [Path.GetFullPath(path)];
        VocabSize = inner.Vocabulary.Values.Max() + 1;
        EosId = inner.EndOfSentenceId;
        BosId = inner.BeginningOfSentenceId >= 0 && inner.BeginningOfSentenceId < VocabSize ? inner.BeginningOfSentenceId : null;
        // Hugging Face's LlamaTokenizer adds BOS unless tokenizer_config.json beside the model says add_bos_token=false.
        string config = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "tokenizer_config.json");
        bool adds = !File.Exists(config) || System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(config))?["add_bos_token"]?.GetValueKind() != System.Text.Json.JsonValueKind.False;
        FramesWithBos = adds && BosId != null;
        if (EosId < 0 || EosId >= VocabSize)
        {
            // A model without </s>: a synthetic id one past the vocabulary marks document ends.
            EosId = VocabSize;
            VocabSize++;
        }
    }

    public string Id { get; }
    public int VocabSize { get; }
    public int EosId { get; }
    public int? BosId { get; }
    public bool FramesWithBos { get; }
    public int? IdOf(string token) => _inner.Vocabulary.TryGetValue(token, out int id) ? id : null;
    public IReadOnlyList<string> Files { get; }

    public static SentencePieceTextTokenizer Load(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return new SentencePieceTextTokenizer(path, LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false));
        }
        catch (Exception e) when (e is not UserErrorException)
        {
            throw new UserErrorException(
                $"tokenizer file {path} could not be loaded as a SentencePiece BPE model ({e.Message}); pass a Llama-style tokenizer.model", e);
        }
    }

    public int[] Encode(string text) =>
        text.Length == 0 ? [] : [.. _inner.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false)];

    public string Decode(ReadOnlySpan<int> ids) => EosAwareDecoder.Decode(ids, EosId, segment => _inner.Decode(segment) ?? "");
}

// The tokenizer contract of the data pipeline: text to ids and back, plus the end-of-document id.
// It is not a training-time component: the trainer only sees the ids that `rho1 prepare` wrote.

namespace Rho1.Data.Tokenizers;

/// <summary>A tokenizer as the data pipeline uses it. Implementations are thread-safe.</summary>
public interface ITextTokenizer
{
    /// <summary>Stable identifier stored in meta.json, e.g. "gpt2" or "bpe:vocab.json@1a2b3c4d5e6f".</summary>
    string Id { get; }

    /// <summary>Number of ids, including the end-of-document id.</summary>
    int VocabSize { get; }

    /// <summary>The id written after every document.</summary>
    int EosId { get; }

    /// <summary>The beginning-of-sequence id of the model's own tokenizer files, if they name one (null: none, as for GPT-2 and bytes).</summary>
    int? BosId => null;

    /// <summary>Whether the model's tokenizer puts <see cref="BosId"/> before a sequence (Llama 2/3, Mistral: yes; Qwen, GPT-2: no).</summary>
    bool FramesWithBos => false;

    /// <summary>The id of the token spelled <paramref name="token"/> (special tokens included), or null when the vocabulary has none.</summary>
    int? IdOf(string token) => null;

    /// <summary>Files the tokenizer was loaded from (empty for built-in vocabularies).</summary>
    IReadOnlyList<string> Files { get; }

    /// <summary>Encodes ordinary text. Never emits <see cref="EosId"/>, even if the text spells a special token.</summary>
    int[] Encode(string text);

    /// <summary>Decodes ids; each <see cref="EosId"/> becomes the marker "&lt;|endoftext|&gt;".</summary>
    string Decode(ReadOnlySpan<int> ids);
}

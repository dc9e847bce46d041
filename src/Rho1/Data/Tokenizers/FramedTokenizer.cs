// A tokenizer whose document framing was overridden (`prepare --bos/--eos`): the same encoding, another
// beginning-of-sequence choice or end-of-document id. Datasets record the ids they were framed with, and
// TokenizerFactory.ForDataset wraps the tokenizer so that decoding and generation use the same ones.

namespace Rho1.Data.Tokenizers;

internal sealed class FramedTokenizer(ITextTokenizer inner, int eosId, int? bosId) : ITextTokenizer
{
    public string Id => inner.Id;
    public int VocabSize => inner.VocabSize;
    public int EosId => eosId;
    public int? BosId => bosId;
    public bool FramesWithBos => bosId != null;
    public IReadOnlyList<string> Files => inner.Files;
    public int? IdOf(string token) => inner.IdOf(token);
    public int[] Encode(string text) => inner.Encode(text);
    public string Decode(ReadOnlySpan<int> ids) => EosAwareDecoder.Decode(ids, eosId, segment => inner.Decode(segment));
}

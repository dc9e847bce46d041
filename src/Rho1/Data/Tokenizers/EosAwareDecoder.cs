// Decoding shared by every tokenizer: the end-of-document id is rendered as one visible marker, whatever the
// underlying library would do with it (tiktoken spells it, SentencePiece drops it, a synthetic id is unknown).

namespace Rho1.Data.Tokenizers;

internal static class EosAwareDecoder
{
    public const string Marker = "<|endoftext|>";

    public static string Decode(ReadOnlySpan<int> ids, int eosId, Func<int[], string> decodeSegment)
    {
        int first = ids.IndexOf(eosId);
        if (first < 0)
            return ids.IsEmpty ? "" : decodeSegment(ids.ToArray());
        var text = new System.Text.StringBuilder();
        while (true)
        {
            int eos = ids.IndexOf(eosId);
            var segment = eos < 0 ? ids : ids[..eos];
            // Decoding segment by segment keeps multi-token characters intact, as EOS never splits a character.
            if (!segment.IsEmpty)
                text.Append(decodeSegment(segment.ToArray()));
            if (eos < 0)
                return text.ToString();
            text.Append(Marker);
            ids = ids[(eos + 1)..];
        }
    }
}

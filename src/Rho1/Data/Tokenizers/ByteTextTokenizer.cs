// The `bytes` tokenizer: one id per UTF-8 byte (0-255) and 256 for end of document, so 257 ids.
// It is the vocabulary-free baseline; it does no merging and no normalisation.
using System.Text;

namespace Rho1.Data.Tokenizers;

internal sealed class ByteTextTokenizer : ITextTokenizer
{
    public string Id => "bytes";
    public int VocabSize => 257;
    public int EosId => 256;
    public IReadOnlyList<string> Files => [];

    public int[] Encode(string text)
    {
        // Lone surrogates become EF BF BD, as in every UTF-8 encoder with replacement.
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var ids = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
            ids[i] = bytes[i];
        return ids;
    }

    public string Decode(ReadOnlySpan<int> ids) => EosAwareDecoder.Decode(ids, EosId, segment =>
    {
        var bytes = new byte[segment.Length];
        for (int i = 0; i < segment.Length; i++)
        {
            if ((uint)segment[i] > 255)
                throw new ArgumentOutOfRangeException(nameof(ids), segment[i], "bytes tokenizer ids are 0-256");
            bytes[i] = (byte)segment[i];
        }
        return Encoding.UTF8.GetString(bytes);
    });
}

// Writes tiny but real tokenizer files for tests: a GPT-2-style byte-level vocab.json + merges.txt, and a
// SentencePiece BPE .model (protobuf written field by field, per sentencepiece_model.proto) with byte fallback.
// They are small enough to reason about and complete enough that any text round-trips.
using System.Text;
using System.Text.Json;
using Rho1.Data.Tokenizers;

namespace Rho1.Tests.Data;

public static class TinyTokenizerFiles
{
    /// <summary>Writes vocab.json and merges.txt into <paramref name="directory"/>; returns the vocab.json path.</summary>
    public static string WriteBpePair(string directory, bool withEndOfText)
    {
        var vocab = new Dictionary<string, int>();
        foreach (string symbol in ByteLevelBpeTextTokenizer.ByteLevelAlphabet)
            vocab[symbol] = vocab.Count;
        // 'Ġ' is the byte-level stand-in for a space.
        string[] merges = ["Ġ t", "Ġt h", "Ġth e", "t h", "th e", "i n", "a n", "Ġ a", "Ġa n", "Ġan d"];
        foreach (string merge in merges)
            vocab[merge.Replace(" ", "")] = vocab.Count;
        if (withEndOfText)
            vocab["<|endoftext|>"] = vocab.Count;
        Directory.CreateDirectory(directory);
        string vocabPath = Path.Combine(directory, "vocab.json");
        File.WriteAllText(vocabPath, JsonSerializer.Serialize(vocab));
        File.WriteAllText(Path.Combine(directory, "merges.txt"), "#version: 0.2\n" + string.Join("\n", merges) + "\n");
        return vocabPath;
    }

    /// <summary>Writes a SentencePiece BPE model: &lt;unk&gt; &lt;s&gt; &lt;/s&gt;, 256 byte pieces, then a few merges.</summary>
    public static string WriteSentencePiece(string path)
    {
        var model = new ProtoWriter();
        Piece(model, "<unk>", 0, type: 2);
        Piece(model, "<s>", 0, type: 3);
        Piece(model, "</s>", 0, type: 3);
        for (int b = 0; b < 256; b++)
            Piece(model, $"<0x{b:X2}>", 0, type: 6);
        string[] normal = ["▁", "e", "t", "h", "a", "n", "d", "o", "▁t", "he", "▁the", "an", "▁and", "▁a"];
        for (int i = 0; i < normal.Length; i++)
            Piece(model, normal[i], -i, type: 1);
        var trainer = new ProtoWriter();
        trainer.Varint(3, 2); // model_type = BPE
        trainer.Varint(35, 1); // byte_fallback
        trainer.Varint(40, 0); // unk_id
        trainer.Varint(41, 1); // bos_id
        trainer.Varint(42, 2); // eos_id
        model.Message(2, trainer);
        var normalizer = new ProtoWriter();
        normalizer.String(1, "identity");
        normalizer.Varint(3, 1); // add_dummy_prefix
        normalizer.Varint(4, 0); // remove_extra_whitespaces: off, or runs of spaces could not round-trip
        normalizer.Varint(5, 1); // escape_whitespaces
        model.Message(3, normalizer);
        File.WriteAllBytes(path, model.ToArray());
        return path;
    }

    static void Piece(ProtoWriter model, string piece, float score, int type)
    {
        var p = new ProtoWriter();
        p.String(1, piece);
        p.Float(2, score);
        p.Varint(3, (ulong)type);
        model.Message(1, p);
    }

    sealed class ProtoWriter
    {
        readonly MemoryStream _bytes = new();

        public byte[] ToArray() => _bytes.ToArray();

        public void Varint(int field, ulong value)
        {
            Tag(field, 0);
            Raw(value);
        }

        public void Float(int field, float value)
        {
            Tag(field, 5);
            _bytes.Write(BitConverter.GetBytes(value));
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

        void Bytes(int field, byte[] value)
        {
            Tag(field, 2);
            Raw((ulong)value.Length);
            _bytes.Write(value);
        }

        void Tag(int field, int wireType) => Raw((ulong)(field << 3 | wireType));

        void Raw(ulong value)
        {
            for (; value >= 0x80; value >>= 7)
                _bytes.WriteByte((byte)(value | 0x80));
            _bytes.WriteByte((byte)value);
        }
    }
}

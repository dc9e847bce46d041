// Names and constants of a prepared dataset directory, shared by the writer and the reader.
// The byte layout itself is documented in docs/data-format.md; this file only holds its fixed numbers.

namespace Rho1.Data.Format;

internal static class DatasetLayout
{
    public const string MetaFile = "meta.json";
    public const string TokenizerFolder = "tokenizer";
    public const int FormatVersion = 1;
    public const int HeaderBytes = 64;
    public static ReadOnlySpan<byte> Magic => "RHO1TOK\0"u8;
    public static readonly string[] SplitNames = ["train", "val"];

    public static string ShardFile(string split, int index) => $"{split}-{index:D5}.bin";

    /// <summary>2 (uint16) when every id fits in 16 bits, else 4 (uint32).</summary>
    public static int TokenBytesFor(int vocabSize) => vocabSize <= 65536 ? 2 : 4;
}

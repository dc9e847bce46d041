// The one choice of decompressor for every text file (TextFile: corpora and task files) and for prepare's input
// detection (InputFile): by the file name's last extension, .gz or .zst, whatever its case.
using System.IO.Compression;

namespace Rho1.Data.Prepare;

internal static class Decompression
{
    /// <summary>The compression <paramref name="path"/>'s name says.</summary>
    public static InputCompression Of(string path)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        return name.EndsWith(".gz", StringComparison.Ordinal) ? InputCompression.Gzip
            : name.EndsWith(".zst", StringComparison.Ordinal) ? InputCompression.Zstd : InputCompression.None;
    }

    /// <summary>The decompressed bytes of <paramref name="raw"/> (itself when uncompressed); disposing the result disposes <paramref name="raw"/>.</summary>
    public static Stream Open(Stream raw, InputCompression compression) => compression switch
    {
        InputCompression.Gzip => new GZipStream(raw, CompressionMode.Decompress),
        InputCompression.Zstd => new ZstdSharp.DecompressionStream(raw),
        _ => raw,
    };
}

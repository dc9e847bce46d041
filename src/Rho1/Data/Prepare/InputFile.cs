// One input file after path, directory and glob expansion: its format, compression and size on disk.
namespace Rho1.Data.Prepare;

internal sealed record InputFile(string Path, InputFormat Format, InputCompression Compression, long Bytes)
{
    /// <summary>What prepare reads, for messages.</summary>
    public const string Known = ".txt, .jsonl or .json (each optionally .gz or .zst) and .parquet";

    /// <summary>The format an extension implies, or null for extensions prepare does not read.</summary>
    public static (InputFormat Format, InputCompression Compression)? Detect(string path)
    {
        string name = System.IO.Path.GetFileName(path).ToLowerInvariant();
        var compression = Decompression.Of(path);
        if (compression != InputCompression.None)
            name = name[..name.LastIndexOf('.')];
        InputFormat? format = System.IO.Path.GetExtension(name) switch
        {
            ".txt" => InputFormat.Text,
            ".jsonl" => InputFormat.Jsonl,
            ".json" => InputFormat.JsonArray,
            ".parquet" when compression == InputCompression.None => InputFormat.Parquet,
            _ => null,
        };
        return format is { } f ? (f, compression) : null;
    }
}

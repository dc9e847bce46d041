// One input file after path, directory and glob expansion: its format, compression and size on disk.

namespace Rho1.Data.Prepare;

internal sealed record InputFile(string Path, InputFormat Format, bool Gzip, long Bytes)
{
    /// <summary>The format an extension implies, or null for extensions prepare does not read.</summary>
    public static (InputFormat Format, bool Gzip)? Detect(string path)
    {
        string name = System.IO.Path.GetFileName(path).ToLowerInvariant();
        bool gzip = name.EndsWith(".gz", StringComparison.Ordinal);
        if (gzip)
            name = name[..^3];
        InputFormat? format = System.IO.Path.GetExtension(name) switch
        {
            ".txt" => InputFormat.Text,
            ".jsonl" => InputFormat.Jsonl,
            ".json" => InputFormat.JsonArray,
            _ => null,
        };
        return format is { } f ? (f, gzip) : null;
    }
}

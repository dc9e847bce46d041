// How an input file's bytes become documents; chosen from the file extension (.txt, .jsonl, .json, each plain, .gz or
// .zst; .parquet).
namespace Rho1.Data.Prepare;

internal enum InputFormat
{
    /// <summary>Plain UTF-8 text: the whole file is one document, or each blank-line-separated block.</summary>
    Text,
    /// <summary>One JSON object per line; the document is one string field.</summary>
    Jsonl,
    /// <summary>A JSON array whose items are strings (or objects with the string field).</summary>
    JsonArray,
    /// <summary>Apache Parquet: the document is one string column, read row group by row group.</summary>
    Parquet,
}

/// <summary>The compression around a text file (Parquet compresses its own pages).</summary>
internal enum InputCompression { None, Gzip, Zstd }

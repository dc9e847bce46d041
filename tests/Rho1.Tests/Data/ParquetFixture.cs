// The Parquet side of the data tests: the text column of the DuckDB-written fixtures (Fixtures/parquet, made by
// scripts/fixtures/make-parquet-fixtures.mjs), rebuilt from the same formula, and Parquet files written here with Parquet.Net
// (for an uncompressed file and for inputs the tests vary). Also multi-frame zstd, as SlimPajama's .jsonl.zst are.
using Parquet;
using Parquet.Schema;

namespace Rho1.Tests.Data;

public static class ParquetFixture
{
    public static string Path(string codec) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "parquet", $"rows-{codec}.parquet");

    /// <summary>The fixtures' text column, row by row (null where null), as the generating script builds it.</summary>
    public static IReadOnlyList<string?> Texts()
    {
        var rows = new string?[4500];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = i < 2048
                ? $"Paragraph {i % 30}: the quick brown fox jumps over the lazy dog {string.Concat(Enumerable.Repeat("again ", i % 30 % 4))}Ünïcödé ✓ 漢字."
                : $"Row {i}: {Base36((long)i * 7919 % 100003)} unique text, {(i % 3 != 0 ? "with" : "without")} a comma.";
            if (i is 11 or 3000) rows[i] = null;
            if (i == 17) rows[i] = "";
        }
        return rows;
    }

    static string Base36(long n)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        string s = "";
        do { s = digits[(int)(n % 36)] + s; n /= 36; } while (n > 0);
        return s;
    }

    /// <summary>Writes <paramref name="texts"/> as a "text" column beside an "id" column, in row groups of <paramref name="rowGroup"/> rows.</summary>
    public static void Write(string path, IReadOnlyList<string?> texts, int rowGroup, CompressionMethod compression = CompressionMethod.None)
    {
        var id = new DataField<int>("id");
        var text = new DataField<string>("text");
        using var stream = File.Create(path);
        var writer = ParquetWriter.CreateAsync(new ParquetSchema(id, text), stream, new ParquetOptions { CompressionMethod = compression }).GetAwaiter().GetResult();
        try
        {
            for (int start = 0; start < texts.Count; start += rowGroup)
            {
                int n = Math.Min(rowGroup, texts.Count - start);
                using var group = writer.CreateRowGroup();
                group.WriteAsync(id, (ReadOnlyMemory<int>)Enumerable.Range(start, n).ToArray()).GetAwaiter().GetResult();
                group.WriteAsync(text, (IReadOnlyCollection<string?>)texts.Skip(start).Take(n).ToList()).GetAwaiter().GetResult();
            }
        }
        finally
        {
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Writes <paramref name="bytes"/> zstd-compressed as <paramref name="frames"/> concatenated frames.</summary>
    public static void WriteZstd(string path, byte[] bytes, int frames)
    {
        using var output = File.Create(path);
        using var compressor = new ZstdSharp.Compressor(3);
        int size = (bytes.Length + frames - 1) / frames;
        for (int start = 0; start < bytes.Length; start += size)
            output.Write(compressor.Wrap(bytes.AsSpan(start, Math.Min(size, bytes.Length - start))));
    }
}

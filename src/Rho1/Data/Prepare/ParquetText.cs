// The text column of a Parquet file, read with Parquet.Net (fully managed: snappy, zstd, gzip or uncompressed pages,
// dictionary-encoded or plain strings) one row group at a time, so that memory follows the row group, not the file.
// Other columns are never read. A missing column, a column that is not strings, or a file that is not readable Parquet
// (truncated, say) is refused in one line naming the file.
using Parquet;
using Parquet.Schema;

namespace Rho1.Data.Prepare;

internal static class ParquetText
{
    /// <summary>Opens <paramref name="path"/> and hands its reader to <paramref name="use"/>; unreadable files become one-line errors.</summary>
    public static T Open<T>(string path, Func<ParquetReader, T> use)
    {
        using var stream = File.OpenRead(path);
        ParquetReader reader;
        try
        {
            reader = ParquetReader.CreateAsync(stream).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is ParquetException or IOException or InvalidDataException or EndOfStreamException or ArgumentException or NotSupportedException)
        {
            throw new UserErrorException($"{path}: not a readable Parquet file ({e.Message.TrimEnd('.')}); is it truncated?", e);
        }
        try
        {
            return use(reader);
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The string column <paramref name="column"/> of <paramref name="reader"/>; refuses a missing or non-string one, listing what the file has.</summary>
    public static DataField Column(ParquetReader reader, string column, string path)
    {
        var fields = reader.Schema.GetDataFields();
        var field = fields.FirstOrDefault(f => f.Name == column && f.Path.ToList().Count == 1)
            ?? throw new UserErrorException($"{path}: no column \"{column}\" (columns: {string.Join(", ", fields.Select(f => $"{f.Name} ({TypeName(f)})"))}); " +
                "choose one with --text-field");
        if (TypeName(field) != "String" || field.IsArray)
            throw new UserErrorException($"{path}: column \"{column}\" holds {(field.IsArray ? "lists of " : "")}{TypeName(field)}, not strings; choose a text column with --text-field");
        return field;
    }

    /// <summary>A column's type as a reader would say it: String for UTF-8 text (Parquet.Net types it string or ReadOnlyMemory&lt;char&gt;).</summary>
    static string TypeName(DataField field) =>
        field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>) ? "String"
        : field.ClrType.IsGenericType ? $"{field.ClrType.Name[..field.ClrType.Name.IndexOf('`')]}<{string.Join(", ", field.ClrType.GetGenericArguments().Select(a => a.Name))}>"
        : field.ClrType.Name;

    /// <summary>Row group <paramref name="rowGroup"/>'s values of <paramref name="field"/> in row order (null where null).</summary>
    public static string?[] Read(ParquetReader reader, DataField field, int rowGroup, string path)
    {
        try
        {
            using var group = reader.OpenRowGroupReader(rowGroup);
            var values = new string?[group.RowCount];
            group.ReadAsync(field, values.AsMemory()).GetAwaiter().GetResult();
            return values; // null where the column is null
        }
        catch (Exception e) when (e is ParquetException or IOException or InvalidDataException or EndOfStreamException or ArgumentException or IndexOutOfRangeException)
        {
            throw new UserErrorException($"{path}: row group {rowGroup} cannot be read ({e.Message.TrimEnd('.')}); is the file truncated or damaged?", e);
        }
    }
}

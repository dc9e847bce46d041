// Streams the documents of one input slice (a text file, plain, .gz or .zst, read through TextFile; or a Parquet row
// group) as strings, one at a time, so memory does not grow with the corpus (only with the largest document or row
// group). Malformed or truncated input becomes a UserErrorException naming the file (and line). Empty documents are
// skipped: they would add a lone EOS and nothing to learn from; null documents (a JSON null, a Parquet null) are
// skipped and counted.
using System.Text;
using System.Text.Json;
using Serilog;

namespace Rho1.Data.Prepare;

internal sealed class DocumentReader(string jsonlField, bool splitBlankLines, bool allowBinary = false)
{
    /// <summary>A file looks binary when NUL is more than this share of its characters (text has none)...</summary>
    public const double NulShare = 0.001;
    /// <summary>... or invalid UTF-8 more than this share (Latin-1 prose stays far below it; executables do not).</summary>
    public const double InvalidShare = 0.2;

    readonly CountingDecoderFallback _fallback = new();
    bool _warned;

    /// <summary>Invalid UTF-8 sequences replaced so far, over every file read.</summary>
    public long InvalidUtf8Replaced => _fallback.Count;

    /// <summary>Null documents skipped so far (a JSON null field, a null Parquet value).</summary>
    public long NullsSkipped { get; private set; }

    public IEnumerable<string> Documents(InputSlice slice, Action<int> onBytesRead)
    {
        var file = slice.File;
        if (file.Format == InputFormat.Parquet)
        {
            foreach (string document in RowGroup(slice))
                yield return document;
            for (long left = slice.Bytes; left > 0; left -= int.MaxValue)
                onBytesRead((int)Math.Min(left, int.MaxValue));
            yield break;
        }
        var documents = TextFile.Read(file.Path, bytes => file.Format switch
        {
            InputFormat.Text => splitBlankLines ? Blocks(bytes) : WholeFile(bytes),
            InputFormat.Jsonl => JsonLines(bytes, file.Path),
            _ => JsonArray(bytes, file.Path),
        }, onBytesRead);
        long replacedBefore = _fallback.Count, chars = 0, nuls = 0;
        foreach (string document in documents)
        {
            chars += document.Length;
            nuls += document.AsSpan().Count('\0');
            if (document.Length > 0)
                yield return document;
        }
        // Checked once the file is read (a refusal then removes the unfinished dataset): a share, so that a few bad bytes
        // in a real text file pass while a binary file given as text does not.
        long invalid = _fallback.Count - replacedBefore;
        if (!allowBinary && chars > 0 && (nuls > NulShare * chars || invalid > InvalidShare * chars))
            throw new UserErrorException($"{file.Path}: looks binary, not text ({(double)invalid / chars:P1} of its characters invalid UTF-8, " +
                $"{(double)nuls / chars:P1} NUL); remove it from --input, or pass --allow-binary to prepare it anyway");
        // Warned once the file is accepted, so that a refused binary file gives its one error line only.
        if (!_warned && invalid > 0)
        {
            _warned = true;
            Log.Warning("{File}: invalid UTF-8 replaced by U+FFFD; later occurrences are only counted (total in meta.json)", file.Path);
        }
    }

    /// <summary>The non-empty, non-null values of the slice's row group in the text column.</summary>
    IEnumerable<string> RowGroup(InputSlice slice)
    {
        var values = ParquetText.Open(slice.File.Path, reader => ParquetText.Read(reader, ParquetText.Column(reader, jsonlField, slice.File.Path), slice.RowGroup, slice.File.Path));
        foreach (string? value in values)
        {
            if (value is null) NullsSkipped++;
            else if (value.Length > 0) yield return value;
        }
    }

    StreamReader Reader(Stream bytes) => new(bytes, _fallback.Utf8(), detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);

    IEnumerable<string> WholeFile(Stream bytes)
    {
        using var reader = Reader(bytes);
        yield return reader.ReadToEnd();
    }

    // Lines are rejoined with "\n": a block is a paragraph, and CRLF files give the same tokens as LF ones.
    IEnumerable<string> Blocks(Stream bytes)
    {
        using var reader = Reader(bytes);
        var block = new StringBuilder();
        for (string? line = reader.ReadLine(); ; line = reader.ReadLine())
        {
            if (line is null || string.IsNullOrWhiteSpace(line))
            {
                if (block.Length > 0)
                    yield return block.ToString();
                block.Clear();
                if (line is null)
                    yield break;
                continue;
            }
            if (block.Length > 0)
                block.Append('\n');
            block.Append(line);
        }
    }

    IEnumerable<string> JsonLines(Stream bytes, string path)
    {
        using var reader = Reader(bytes);
        foreach (string document in TextFile.JsonLines(reader, path, FieldOf))
            yield return document;
    }

    IEnumerable<string> JsonArray(Stream bytes, string path)
    {
        // Transcoding first routes invalid UTF-8 through the counting fallback instead of failing the parser.
        using var utf8 = Encoding.CreateTranscodingStream(bytes, _fallback.Utf8(), Encoding.UTF8, leaveOpen: true);
        var items = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(utf8).ToBlockingEnumerable();
        using var e = items.GetEnumerator();
        long index = 0;
        while (true)
        {
            try
            {
                if (!e.MoveNext())
                    yield break;
            }
            catch (JsonException ex)
            {
                throw new UserErrorException(
                    $"{path}:{ex.LineNumber + 1}: not a JSON array of strings ({TextFile.FirstSentence(ex.Message)})", ex);
            }
            yield return FieldOf(e.Current, $"{path} item {index++}");
        }
    }

    /// <summary>The document of a JSON line or array item; "" (skipped) for a null one, which is counted.</summary>
    string FieldOf(JsonElement element, string where)
    {
        if (element.ValueKind == JsonValueKind.String)
            return element.GetString()!;
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(jsonlField, out var field))
        {
            if (field.ValueKind == JsonValueKind.String)
                return field.GetString()!;
            if (field.ValueKind == JsonValueKind.Null)
            {
                NullsSkipped++;
                return "";
            }
        }
        throw new UserErrorException($"{where}: no string field \"{jsonlField}\"; choose the field with --text-field");
    }
}

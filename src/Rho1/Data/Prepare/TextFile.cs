// The one reader of text files for every consumer, corpora (DocumentReader) and task files (Evaluation/Tasks/TaskFile):
// the file opened and decompressed by its name (Decompression), read lazily, a truncated or corrupt compressed stream
// reported in one line naming the file, and JSON Lines parsed a line at a time with a malformed line named by number.
// What a record means (a document's text field, a task item) is the caller's.
using System.Text.Json;

namespace Rho1.Data.Prepare;

internal static class TextFile
{
    /// <summary>
    /// What <paramref name="parse"/> reads from the decompressed bytes of <paramref name="path"/>, one value at a time; the
    /// compressed bytes read are reported to <paramref name="onBytesRead"/> as they go.
    /// </summary>
    public static IEnumerable<T> Read<T>(string path, Func<Stream, IEnumerable<T>> parse, Action<int>? onBytesRead = null)
    {
        var compression = Decompression.Of(path);
        using Stream raw = onBytesRead is null ? File.OpenRead(path) : new CountingStream(File.OpenRead(path), onBytesRead);
        using Stream bytes = Decompression.Open(raw, compression);
        using var e = parse(bytes).GetEnumerator();
        while (true)
        {
            try
            {
                if (!e.MoveNext())
                    yield break;
            }
            catch (Exception ex) when (compression != InputCompression.None && ex is not UserErrorException
                && ex is InvalidDataException or IOException or ZstdSharp.ZstdException or EndOfStreamException)
            {
                throw new UserErrorException($"{path}: truncated or corrupt {(compression == InputCompression.Gzip ? "gzip" : "zstd")} data ({ex.Message.TrimEnd('.')})", ex);
            }
            yield return e.Current;
        }
    }

    /// <summary>
    /// Each non-blank line of <paramref name="reader"/> parsed as JSON and given to <paramref name="take"/> with where it
    /// stands ("PATH:LINE"), while the parsed document is alive; a line that is not JSON is refused with its number.
    /// </summary>
    public static IEnumerable<T> JsonLines<T>(TextReader reader, string path, Func<JsonElement, string, T> take)
    {
        long number = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            JsonDocument json;
            try
            {
                json = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new UserErrorException($"{path}:{number}: malformed JSON on line {number} ({FirstSentence(e.Message)}); fix or remove the line", e);
            }
            using (json)
                yield return take(json.RootElement, $"{path}:{number}");
        }
    }

    /// <summary>The first sentence of a parser's message, without its final full stop.</summary>
    public static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.TrimEnd('.') : message[..end];
    }
}

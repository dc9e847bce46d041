// A task file as a list of JSON objects, one per item, whatever it was stored as: JSON Lines (plain, .gz or .zst) or
// Parquet (top-level columns, structs and lists, as Hugging Face datasets store them). Nothing here knows what a
// layout is; TaskLayouts recognises the items by their fields.
using System.Text.Json;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Serialization;
using Rho1.Data.Prepare;

namespace Rho1.Evaluation.Tasks;

public static class TaskFile
{
    /// <summary>The items of <paramref name="path"/> in file order; refuses a missing, empty or malformed file in one line.</summary>
    public static List<JsonObject> Read(string path)
    {
        if (!File.Exists(path))
            throw new UserErrorException($"task file {path} does not exist");
        string name = Path.GetFileName(path).ToLowerInvariant();
        var items = name.EndsWith(".parquet", StringComparison.Ordinal) ? ReadParquet(path)
            : name.EndsWith(".jsonl", StringComparison.Ordinal) || name.EndsWith(".jsonl.gz", StringComparison.Ordinal) || name.EndsWith(".jsonl.zst", StringComparison.Ordinal)
              || name.EndsWith(".json", StringComparison.Ordinal) ? ReadJsonLines(path)
            : throw new UserErrorException($"task file {path}: unknown format; use .jsonl (optionally .gz or .zst) or .parquet");
        if (items.Count == 0)
            throw new UserErrorException($"task file {path} has no items");
        return items;
    }

    /// <summary>The name a task is reported under: the file name without its extensions ("arc-easy" for arc-easy.jsonl.zst).</summary>
    public static string NameOf(string path)
    {
        string name = Path.GetFileName(path);
        int dot = name.IndexOf('.');
        return dot > 0 ? name[..dot] : name;
    }

    /// <summary>One JSON object per line, read as corpora are (Data/Prepare/TextFile).</summary>
    static List<JsonObject> ReadJsonLines(string path) =>
        TextFile.Read(path, bytes => JsonLines(bytes, path)).ToList();

    static IEnumerable<JsonObject> JsonLines(Stream bytes, string path)
    {
        using var reader = new StreamReader(bytes);
        foreach (var item in TextFile.JsonLines(reader, path, (element, where) => element.ValueKind == JsonValueKind.Object
                     ? JsonObject.Create(element.Clone())!
                     : throw new UserErrorException($"{where}: not a JSON object; a task file holds one object per line")))
            yield return item;
    }

    static List<JsonObject> ReadParquet(string path)
    {
        using var stream = File.OpenRead(path);
        try
        {
            var result = ParquetSerializer.DeserializeUntypedAsync(stream).GetAwaiter().GetResult();
            return result.Data.Select(row => (JsonObject)ToJson(row)!).ToList();
        }
        catch (Exception e) when (e is ParquetException or IOException or InvalidDataException or EndOfStreamException or ArgumentException or NotSupportedException
                                     or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new UserErrorException($"{path}: not a readable Parquet file ({e.Message.TrimEnd('.')}); is it truncated?", e);
        }
    }

    /// <summary>A value of Parquet.Net's untyped rows as JSON: dictionaries become objects, lists arrays, scalars values.</summary>
    static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        IDictionary<string, object> row => new JsonObject(row.Select(kv => KeyValuePair.Create(kv.Key, ToJson(kv.Value)))),
        string s => JsonValue.Create(s),
        ReadOnlyMemory<char> m => JsonValue.Create(m.ToString()),
        bool b => JsonValue.Create(b),
        byte[] bytes => JsonValue.Create(Convert.ToBase64String(bytes)),
        System.Collections.IEnumerable list => new JsonArray(list.Cast<object?>().Select(ToJson).ToArray()),
        sbyte or byte or short or ushort or int or uint or long or ulong => JsonValue.Create(Convert.ToInt64(value)),
        float or double or decimal => JsonValue.Create(Convert.ToDouble(value)),
        _ => JsonValue.Create(value.ToString()),
    };
}

// Reads a JSON run config, applies --set section.key=value overrides, and type-checks the result.
// Every key must already exist in the defaults: a typo is an error naming the key (and the file and line),
// never a silently ignored setting.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Rho1.Training.Configuration;

public static class ConfigLoader
{
    static readonly JsonSerializerOptions Strict = new()
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
    };

    /// <summary>
    /// Strict, but writing every key, also those ToJson leaves out at their defaults (the model family's switches): the
    /// loader's table of known keys, and what resume checks compare, so that every key a config.json can hold is read back.
    /// </summary>
    static readonly JsonSerializerOptions EveryKey = new(Strict)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { info => { foreach (var p in info.Properties) p.ShouldSerialize = static (_, _) => true; } } },
    };

    /// <summary>Defaults, then the file (if any), then overrides in order; validated.</summary>
    public static RunConfig Load(string? path, IEnumerable<string> overrides)
    {
        var merged = ToNode(new RunConfig());
        if (path != null)
            MergeFile(merged, path);
        foreach (string o in overrides)
            ApplyOverride(merged, o);
        RunConfig config;
        try
        {
            config = merged.Deserialize<RunConfig>(Strict)!;
        }
        catch (JsonException e)
        {
            string key = (e.Path ?? "$").TrimStart('$', '.');
            var parts = key.Split('.');
            string given = parts.Length == 2 ? merged[parts[0]]?[parts[1]]?.ToJsonString() ?? "null" : "?";
            // The serializer's own words name CLR types ("System.Int32"); say what the key needs instead.
            throw new UserErrorException($"{key}={given}: expected {TypeOf(key)}", e);
        }
        return config;
    }

    /// <summary>Parses a config from JSON text (as stored in a run directory or checkpoint).</summary>
    public static RunConfig FromJson(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<RunConfig>(json, Strict) ?? throw new UserErrorException($"{source}: empty config");
        }
        catch (JsonException e)
        {
            throw new UserErrorException($"{source}: invalid config at {e.Path} ({FirstSentence(e.Message)})", e);
        }
    }

    public static string ToJson(RunConfig config) => JsonSerializer.Serialize(config, Strict);

    /// <summary>The config as JSON sections with every key, defaults included.</summary>
    public static JsonObject ToNode(RunConfig config) => JsonSerializer.SerializeToNode(config, EveryKey)!.AsObject();

    /// <summary>A run's config.json: the config, plus a "changes" list when resumes changed settings (ignored when the file is used as --config).</summary>
    public static string ToJson<T>(RunConfig config, IReadOnlyCollection<T> changes)
    {
        if (changes.Count == 0) return ToJson(config);
        var node = JsonSerializer.SerializeToNode(config, Strict)!.AsObject();
        node[ChangesKey] = JsonSerializer.SerializeToNode(changes);
        return node.ToJsonString(Strict);
    }

    /// <summary>The top-level key of a run's config.json that lists changed settings; skipped when a config file is read.</summary>
    public const string ChangesKey = "changes";

    static void MergeFile(JsonObject merged, string path)
    {
        if (!File.Exists(path))
            throw new UserErrorException($"{path}: config file not found");
        string text = File.ReadAllText(path);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new UserErrorException($"{path}:{(e.LineNumber ?? 0) + 1}: malformed JSON ({FirstSentence(e.Message)})", e);
        }
        if (node is not JsonObject file)
            throw new UserErrorException($"{path}: expected a JSON object with sections such as \"model\" and \"train\"");
        foreach (var (section, value) in file)
        {
            if (section == ChangesKey) continue; // a run's config.json given as --config: its history is not a setting
            if (merged[section] is not JsonObject target)
                throw new UserErrorException($"{path}:{LineOf(text, section)}: unknown section '{section}' (known: {string.Join(", ", merged.Select(p => p.Key))})");
            if (value is not JsonObject entries)
                throw new UserErrorException($"{path}:{LineOf(text, section)}: section '{section}' must be an object");
            foreach (var (key, v) in entries)
            {
                if (!target.ContainsKey(key))
                    throw new UserErrorException($"{path}:{LineOf(text, key)}: unknown key '{section}.{key}' (known: {string.Join(", ", target.Select(p => p.Key))})");
                CheckKind(target[key], v, $"{path}:{LineOf(text, key)}: {section}.{key}");
                target[key] = v?.DeepClone();
            }
        }
    }

    /// <summary>Applies one "section.key=value" override; the value is JSON (number, true/false) or a bare string.</summary>
    public static void ApplyOverride(JsonObject merged, string assignment)
    {
        int eq = assignment.IndexOf('=');
        int dot = assignment.IndexOf('.');
        if (eq < 0 || dot < 0 || dot > eq)
            throw new UserErrorException($"--set '{assignment}': expected section.key=value, e.g. train.steps=200");
        string section = assignment[..dot], key = assignment[(dot + 1)..eq], raw = assignment[(eq + 1)..];
        if (merged[section] is not JsonObject target)
            throw new UserErrorException($"--set '{assignment}': unknown section '{section}' (known: {string.Join(", ", merged.Select(p => p.Key))})");
        if (!target.ContainsKey(key))
            throw new UserErrorException($"--set '{assignment}': unknown key '{section}.{key}' (known: {string.Join(", ", target.Select(p => p.Key))})");
        JsonNode? value;
        if (target[key]?.GetValueKind() == JsonValueKind.String)
            value = JsonValue.Create(raw);
        else
        {
            try { value = JsonNode.Parse(raw); }
            catch (JsonException) { value = JsonValue.Create(raw); }
        }
        CheckKind(target[key], value, $"--set {section}.{key}");
        target[key] = value;
    }

    static void CheckKind(JsonNode? expected, JsonNode? actual, string where)
    {
        var want = expected?.GetValueKind() ?? JsonValueKind.Null;
        var got = actual?.GetValueKind() ?? JsonValueKind.Null;
        bool ok = want == got
            || (want is JsonValueKind.True or JsonValueKind.False && got is JsonValueKind.True or JsonValueKind.False)
            || want == JsonValueKind.Null;
        if (!ok)
            throw new UserErrorException($"{where}: expected {Describe(want)}, got {actual?.ToJsonString() ?? "null"}");
        // Integer-vs-fraction is checked on deserialisation, where the C# property type is known.
    }

    static string TypeOf(string key)
    {
        var parts = key.Split('.');
        var section = typeof(RunConfig).GetProperties().FirstOrDefault(p => Json(p) == parts[0]);
        var prop = parts.Length > 1 ? section?.PropertyType.GetProperties().FirstOrDefault(p => Json(p) == parts[1]) : null;
        return prop?.PropertyType == typeof(int) || prop?.PropertyType == typeof(long) ? "an integer"
            : prop?.PropertyType == typeof(double) ? "a number"
            : prop?.PropertyType == typeof(bool) ? "true or false"
            : prop?.PropertyType == typeof(string) ? "a string" : "a value of the right type";
    }

    static string? Json(System.Reflection.PropertyInfo p) =>
        (p.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonPropertyNameAttribute), false).FirstOrDefault()
            as System.Text.Json.Serialization.JsonPropertyNameAttribute)?.Name;

    static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Number => "a number",
        JsonValueKind.String => "a string",
        JsonValueKind.True or JsonValueKind.False => "true or false",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>The 1-based line of the first "<paramref name="key"/>" in <paramref name="text"/> (1 if absent): where a message points.</summary>
    public static int LineOf(string text, string key)
    {
        int at = text.IndexOf($"\"{key}\"", StringComparison.Ordinal);
        return at < 0 ? 1 : text.AsSpan(0, at).Count('\n') + 1;
    }

    static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.TrimEnd('.') : message[..end];
    }
}

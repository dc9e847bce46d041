// Reads and writes meta.json, and computes the dataset fingerprint from the shard list.
// Reading turns every way the file can be absent or malformed into one UserErrorException naming it.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Rho1.IO;

namespace Rho1.Data.Format;

internal static class DatasetMetaFile
{
    static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static DatasetMeta Read(string directory)
    {
        if (!Directory.Exists(directory))
            throw new UserErrorException(File.Exists(directory)
                ? $"{directory} is a text file, not a prepared dataset; prepare it first with `rho1 prepare --input {directory} --output DIR`, then pass DIR"
                : $"dataset directory {directory} does not exist; create it with 'rho1 prepare'");
        string path = Path.Combine(directory, DatasetLayout.MetaFile);
        // A score directory has a meta.json too, of another kind: say what the directory is and where it goes instead.
        var kind = OutputDirectory.Inspect(directory).Kind;
        if (kind is OutputDirectory.Kind.Run or OutputDirectory.Kind.Scores or OutputDirectory.Kind.Export)
            throw new UserErrorException($"{directory} is {OutputDirectory.Describe(kind)}, not a prepared dataset; " + kind switch
            {
                OutputDirectory.Kind.Scores => "give it as --ref-scores, and the dataset it scored as --data",
                OutputDirectory.Kind.Run => "give it as --ref, --init or --model, and a directory made by `rho1 prepare` as --data",
                _ => "give it as --init, --ref or --model, and a directory made by `rho1 prepare` as --data",
            });
        if (!File.Exists(path))
            throw new UserErrorException($"{path} is missing: {directory} is not a prepared dataset (or preparing it did not finish)");
        DatasetMeta? meta;
        try
        {
            using var stream = File.OpenRead(path);
            meta = JsonSerializer.Deserialize<DatasetMeta>(stream, Options);
        }
        catch (JsonException e)
        {
            throw new UserErrorException($"{path} is not valid dataset metadata (line {e.LineNumber + 1}: {e.Message})", e);
        }
        if (meta is null)
            throw new UserErrorException($"{path} holds null instead of dataset metadata");
        if (meta.FormatVersion != DatasetLayout.FormatVersion)
            throw new UserErrorException(
                $"{path} has format_version {meta.FormatVersion}; this rho1 reads version {DatasetLayout.FormatVersion}, so re-run 'rho1 prepare'");
        return meta;
    }

    public static void Write(string directory, DatasetMeta meta)
    {
        string path = Path.Combine(directory, DatasetLayout.MetaFile);
        File.WriteAllText(path, JsonSerializer.Serialize(meta, Options) + "\n");
    }

    public static string Fingerprint(IReadOnlyDictionary<string, SplitMeta> splits)
    {
        var text = new StringBuilder();
        foreach (var (name, split) in splits)
            foreach (var shard in split.Shards)
                text.Append(name).Append(' ').Append(shard.File).Append(' ').Append(shard.Sha256).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}

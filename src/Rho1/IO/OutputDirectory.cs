// What an output path holds, recognised by the names of the files Rho1 itself writes (run directories,
// datasets, score directories, exports, quickstart and sweep folders), so that --force replaces only what Rho1
// made and every refusal can say what is there. Names only: the formats' contents are their owners' business.
namespace Rho1.IO;

public static class OutputDirectory
{
    /// <summary>What a path holds: nothing, one of Rho1's own kinds, or something else.</summary>
    public enum Kind { Missing, Empty, File, Run, Dataset, Scores, Export, Quickstart, Sweep, Foreign }

    /// <param name="FirstForeign">The first entry (sorted by name) that the recognised kind does not write; null if none.</param>
    public sealed record Contents(Kind Kind, string? FirstForeign, int Entries);

    static readonly Dictionary<Kind, string[]> Own = new()
    {
        [Kind.Run] = ["config.json", "metrics.jsonl", "train.log", "summary.json", "tensorboard", "checkpoints", "final", "hf", "sweep-cell.json"],
        [Kind.Dataset] = ["meta.json", "tokenizer"],
        [Kind.Scores] = ["scores.bin", "meta.json", "DONE", "progress.json"],
        [Kind.Export] = ["model.safetensors", "model.safetensors.index.json", "config.json", "rho1.json", "generation_config.json",
            "tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"],
        [Kind.Quickstart] = ["quickstart.json", "corpus", "data", "runs"],
        [Kind.Sweep] = ["summary.csv", "summary.md", "cells.csv", "loss-vs-tokens.png", "loss-vs-ratio.png"],
    };

    /// <summary>Recognises <paramref name="path"/>; a directory holding Rho1's markers is that kind even with foreign entries (see FirstForeign).</summary>
    public static Contents Inspect(string path)
    {
        if (File.Exists(path)) return new Contents(Kind.File, Path.GetFileName(path), 1);
        if (!Directory.Exists(path)) return new Contents(Kind.Missing, null, 0);
        var names = Directory.EnumerateFileSystemEntries(path).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0) return new Contents(Kind.Empty, null, 0);
        bool Has(string name) => names.Contains(name);
        var kind =
            Has("quickstart.json") ? Kind.Quickstart
            : Has("scores.bin") && Has("meta.json") ? Kind.Scores
            : (Has("model.safetensors") || Has("model.safetensors.index.json")) && Has("config.json") ? Kind.Export
            : Has("train.log") || Has("metrics.jsonl") || Has("checkpoints") || Has("final") ? Kind.Run
            : Has("meta.json") && names.Any(IsShard) ? Kind.Dataset
            : Has("summary.csv") || names.Any(n => n.StartsWith("ratio-", StringComparison.Ordinal)) ? Kind.Sweep
            : Kind.Foreign;
        string? foreign = names.FirstOrDefault(n => !IsOwn(kind, n));
        return new Contents(kind, foreign, names.Count);
    }

    static bool IsShard(string name) => (name.StartsWith("train-", StringComparison.Ordinal) || name.StartsWith("val-", StringComparison.Ordinal))
        && name.EndsWith(".bin", StringComparison.Ordinal);

    /// <summary>Leftovers of an interrupted write (".tmp-", ".old-", ".del-" and AtomicFile's ".NAME.tmp-*") count as Rho1's own.</summary>
    static bool IsLeftover(string name) =>
        name.StartsWith('.') && new[] { ".tmp-", ".old-", ".del-" }.Any(mark => name.Contains(mark, StringComparison.Ordinal));

    static bool IsOwn(Kind kind, string name) =>
        IsLeftover(name) || kind switch
        {
            Kind.Foreign => false,
            Kind.Dataset => Own[kind].Contains(name) || IsShard(name),
            Kind.Sweep => Own[kind].Contains(name) || name.StartsWith("ratio-", StringComparison.Ordinal)
                || (name.EndsWith(".png", StringComparison.Ordinal) && (name.Contains("-vs-tokens", StringComparison.Ordinal) || name.Contains("-vs-ratio", StringComparison.Ordinal))),
            Kind.Export => Own[kind].Contains(name) || (name.StartsWith("model-", StringComparison.Ordinal) && name.EndsWith(".safetensors", StringComparison.Ordinal)),
            _ => Own.TryGetValue(kind, out var own) && own.Contains(name),
        };

    /// <summary>"a Rho1 run directory", "a file", ...: for messages.</summary>
    public static string Describe(Kind kind) => kind switch
    {
        Kind.Run => "a Rho1 run directory",
        Kind.Dataset => "a prepared dataset",
        Kind.Scores => "a score directory",
        Kind.Export => "a Hugging Face export",
        Kind.Quickstart => "a quickstart folder",
        Kind.Sweep => "a sweep folder",
        Kind.File => "a file",
        Kind.Empty => "an empty directory",
        Kind.Missing => "nothing",
        _ => "files Rho1 did not make",
    };

    /// <summary>
    /// Refuses (UserErrorException naming what is there) unless <paramref name="path"/> is missing or empty, or
    /// <paramref name="force"/> is set and it holds exactly a <paramref name="replaceable"/> that Rho1 made.
    /// <paramref name="flag"/> names the option in messages, e.g. "--out".
    /// </summary>
    public static Contents RequireWritable(string flag, string path, Kind replaceable, bool force)
    {
        var c = Inspect(path);
        if (c.Kind is Kind.Missing or Kind.Empty) return c;
        if (c.Kind != replaceable || c.FirstForeign != null)
            throw new UserErrorException(Refusal(flag, path, c, replaceable));
        if (!force)
            throw new UserErrorException($"{flag} {path}: already holds {Describe(c.Kind)}; use --force to replace it, or choose another {flag}");
        return c;
    }

    /// <summary>The refusal for a path that holds something other than a replaceable <paramref name="replaceable"/>.</summary>
    public static string Refusal(string flag, string path, Contents c, Kind replaceable) => c.Kind switch
    {
        Kind.File => $"{flag} {path}: is a file, not a directory; choose another {flag}",
        Kind.Foreign => $"{flag} {path}: holds {c.FirstForeign}{(c.Entries > 1 ? $" and {c.Entries - 1} other entr{(c.Entries == 2 ? "y" : "ies")}" : "")}, which Rho1 did not make; " +
            $"--force replaces only {Describe(replaceable)}: choose an empty or new {flag}",
        _ when c.Kind == replaceable => $"{flag} {path}: {Describe(c.Kind)} that also holds {c.FirstForeign}, which Rho1 did not make; " +
            $"move it out first, or choose another {flag}",
        _ => $"{flag} {path}: holds {Describe(c.Kind)}, not {Describe(replaceable)}; choose another {flag}",
    };
}

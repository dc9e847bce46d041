// Finds checkpoints in a run directory (final/ and checkpoints/step-N/): the newest complete one for
// `--resume auto`, and the one a model path names for eval, sample, score, export and references.
using System.Globalization;
using Rho1.IO;

namespace Rho1.Model.Storage;

public static class CheckpointSearch
{
    /// <summary>
    /// The newest complete, verified checkpoint (final or step-N) under a run directory, or null. Each newer one
    /// passed over is added to <paramref name="skipped"/> as "path: problem", for the caller to report.
    /// </summary>
    public static string? LatestComplete(string runDir, List<string> skipped)
    {
        var candidates = new List<(int Step, string Path)>();
        string final = Path.Combine(runDir, "final");
        if (Directory.Exists(final))
            candidates.Add((int.MaxValue, final));
        string checkpoints = Path.Combine(runDir, "checkpoints");
        if (Directory.Exists(checkpoints))
            foreach (string d in Directory.GetDirectories(checkpoints, "step-*"))
                if (int.TryParse(Path.GetFileName(d)["step-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int s))
                    candidates.Add((s, d));
        foreach (var (_, path) in candidates.OrderByDescending(c => c.Step))
        {
            if (CheckpointFiles.Problem(path) is { } problem)
            {
                skipped.Add($"{path}: {problem}");
                continue;
            }
            return path;
        }
        return null;
    }

    /// <summary>Resolves a run or checkpoint directory to a checkpoint directory (a run's final, else its newest complete one).</summary>
    public static string Resolve(string path)
    {
        if (!Directory.Exists(path))
            throw new UserErrorException(File.Exists(path) ? $"{path}: is a file, not a checkpoint or run directory" : $"{path}: no such checkpoint or run directory");
        if (HuggingFaceModel.IsModelDirectory(path))
            return path; // a Hugging Face (or exported) model: read by HuggingFaceModel
        var kind = OutputDirectory.Inspect(path).Kind;
        if (kind is OutputDirectory.Kind.Scores)
            throw new UserErrorException($"{path}: is a score directory, not a checkpoint or run directory; score directories are given as --ref-scores");
        if (kind is OutputDirectory.Kind.Dataset)
            throw new UserErrorException($"{path}: is {OutputDirectory.Describe(kind)}, not a checkpoint or run directory");
        if (File.Exists(Path.Combine(path, CheckpointFiles.DoneFile)) || File.Exists(Path.Combine(path, CheckpointFiles.StateFile)))
            return path;
        var skipped = new List<string>();
        string? latest = LatestComplete(path, skipped);
        if (latest is null)
            // One line that names every damaged candidate, instead of a warning per candidate and then an error.
            throw new UserErrorException(skipped.Count == 0
                ? $"{path}: holds no complete checkpoint (expected final/ or checkpoints/step-N/ with a DONE marker)"
                : $"{path}: holds no usable checkpoint ({string.Join("; ", skipped)})");
        foreach (string s in skipped)
            Serilog.Log.Warning("using {Latest}, skipping damaged checkpoint {Skipped}", latest, s);
        return latest;
    }
}

// Layout and guards of a run directory: refuses to mix two runs, finds the checkpoint to resume from
// (skipping incomplete or damaged ones, and saying so), and prunes old step checkpoints.
using System.Globalization;
using Serilog;

namespace Rho1.Training;

public sealed class RunDirectory
{
    public string Dir { get; }
    public string CheckpointsDir => Path.Combine(Dir, "checkpoints");
    public string FinalDir => Path.Combine(Dir, "final");
    /// <summary>Checkpoint to continue from; null for a fresh run.</summary>
    public string? ResumeFrom { get; private init; }

    RunDirectory(string dir) => Dir = dir;

    public string StepDir(int step) => Path.Combine(CheckpointsDir, $"step-{step:D7}");

    /// <summary>Validates the output directory against the resume/force policy and creates it.</summary>
    public static RunDirectory Prepare(string dir, string? resume, bool force)
    {
        if (File.Exists(dir))
            throw new UserErrorException($"--out {dir}: is a file, not a directory");
        bool holdsRun = Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any();
        string? from = null;
        if (resume == "auto")
            from = holdsRun ? LatestComplete(dir) : null;
        else if (resume != null)
            from = resume;
        else if (holdsRun && !force)
            throw new UserErrorException($"--out {dir}: already holds a run; use --resume auto to continue it or --force to replace it");
        else if (holdsRun && force)
        {
            Log.Warning("--force: deleting the previous run in {Dir}", dir);
            Directory.Delete(dir, recursive: true);
        }
        Directory.CreateDirectory(dir);
        return new RunDirectory(dir) { ResumeFrom = from };
    }

    /// <summary>The newest complete, verified checkpoint (final or step-N) under a run directory, or null.</summary>
    public static string? LatestComplete(string dir)
    {
        var candidates = new List<(int Step, string Path)>();
        string final = Path.Combine(dir, "final");
        if (Directory.Exists(final))
            candidates.Add((int.MaxValue, final));
        string checkpoints = Path.Combine(dir, "checkpoints");
        if (Directory.Exists(checkpoints))
            foreach (string d in Directory.GetDirectories(checkpoints, "step-*"))
                if (int.TryParse(Path.GetFileName(d)["step-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int s))
                    candidates.Add((s, d));
        foreach (var (_, path) in candidates.OrderByDescending(c => c.Step))
        {
            if (Checkpoint.Problem(path) is { } problem)
            {
                Log.Warning("skipping checkpoint {Path}: {Problem}", path, problem);
                continue;
            }
            return path;
        }
        return null;
    }

    public void PruneCheckpoints(int keep)
    {
        if (!Directory.Exists(CheckpointsDir)) return;
        foreach (string old in Directory.GetDirectories(CheckpointsDir, "step-*").OrderByDescending(d => d, StringComparer.Ordinal).Skip(keep))
            Directory.Delete(old, recursive: true);
        foreach (string tmp in Directory.GetDirectories(CheckpointsDir, ".tmp-*").Concat(Directory.GetDirectories(CheckpointsDir, ".old-*")))
            Directory.Delete(tmp, recursive: true); // left by a killed writer
    }
}

// Layout and guards of a run directory: refuses to mix two runs, finds the checkpoint to resume from
// (skipping incomplete or damaged ones, and saying so), and prunes old step checkpoints. Deciding (Plan)
// and touching the disk (Create) are separate, so a run refused for bad input creates or deletes nothing.
using Rho1.IO;
using Rho1.Model.Storage;
using Serilog;

namespace Rho1.Training.Runs;

public sealed class RunDirectory
{
    public string Dir { get; }
    public string CheckpointsDir => Path.Combine(Dir, "checkpoints");
    public string FinalDir => Path.Combine(Dir, "final");
    /// <summary>Checkpoint to continue from; null for a fresh run.</summary>
    public string? ResumeFrom { get; private init; }
    /// <summary>Newer checkpoints --resume auto passed over, as "path: problem", for the caller to report once the run is accepted.</summary>
    public IReadOnlyList<string> Skipped { get; private init; } = [];
    bool _replace;

    RunDirectory(string dir) => Dir = dir;

    public string StepDir(int step) => Path.Combine(CheckpointsDir, $"step-{step:D7}");

    /// <summary>Validates the output directory against the resume/force policy without changing anything.</summary>
    public static RunDirectory Plan(string dir, string? resume, bool force)
    {
        var contents = OutputDirectory.Inspect(dir);
        bool holds = contents.Kind is not (OutputDirectory.Kind.Missing or OutputDirectory.Kind.Empty);
        // Training writes into --out (fresh, resumed or replacing): only ever into a run directory of Rho1's own, and
        // --force deletes only a run directory that holds nothing else.
        if (holds && (contents.Kind != OutputDirectory.Kind.Run || (force && resume == null && contents.FirstForeign != null)))
            throw new UserErrorException(OutputDirectory.Refusal("--out", dir, contents, OutputDirectory.Kind.Run));
        string? from = null;
        var skipped = new List<string>();
        if (resume == "auto")
            from = holds ? CheckpointSearch.LatestComplete(dir, skipped) : null;
        else if (resume != null)
            from = resume;
        else if (holds && !force)
            throw new UserErrorException($"--out {dir}: already holds a run; use --resume auto to continue it or --force to replace it");
        return new RunDirectory(dir) { ResumeFrom = from, Skipped = skipped, _replace = holds && force && resume == null };
    }

    /// <summary>Creates the directory (deleting the run it replaces under --force) and clears what a killed writer left.</summary>
    public void Create()
    {
        if (_replace)
        {
            Log.Warning("--force: deleting the previous run in {Dir}", Dir);
            Directory.Delete(Dir, recursive: true);
        }
        Directory.CreateDirectory(Dir);
        // A killed process leaves hidden working directories (Checkpoint.Save, PruneCheckpoints) and temporary
        // files (AtomicFile); none is ever read, and keeping them would fill the disk one kill at a time.
        DeleteLeftovers(Dir);
        DeleteLeftovers(CheckpointsDir);
        DeleteLeftovers(Path.Combine(Dir, HuggingFaceSnapshots.Folder));
    }

    public void PruneCheckpoints(int keep)
    {
        if (!Directory.Exists(CheckpointsDir)) return;
        foreach (string old in Directory.GetDirectories(CheckpointsDir, "step-*").OrderByDescending(d => d, StringComparer.Ordinal).Skip(keep))
        {
            // Renamed first so that a kill during the delete leaves a hidden directory, not a half-deleted
            // step-N that --resume auto would have to skip with a warning.
            string doomed = Path.Combine(CheckpointsDir, $".del-{Path.GetFileName(old)}-{Guid.NewGuid():N}");
            Directory.Move(old, doomed);
            Directory.Delete(doomed, recursive: true);
        }
        DeleteLeftovers(CheckpointsDir);
    }

    /// <summary>Deletes the hidden working directories of Checkpoint.Save and PruneCheckpoints, and AtomicFile's temporary files, under <paramref name="parent"/>.</summary>
    static void DeleteLeftovers(string parent)
    {
        if (!Directory.Exists(parent)) return;
        foreach (string dir in Directory.GetDirectories(parent, ".*"))
            if (new[] { ".tmp-", ".old-", ".del-" }.Any(prefix => Path.GetFileName(dir).StartsWith(prefix, StringComparison.Ordinal)))
                Directory.Delete(dir, recursive: true);
        foreach (string file in AtomicFile.Leftovers(parent))
            File.Delete(file);
    }
}

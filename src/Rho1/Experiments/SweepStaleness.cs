// Whether a run an earlier sweep left in a directory was trained as this sweep asks: the same config (up to
// the keys that do not change results), the same --init, reference and task files. A run that differs must
// not be reused under this sweep's header.
using System.Text.Json;
using Rho1.Evaluation.Tasks;
using Rho1.Model.Storage;
using Rho1.Training;
using Rho1.Training.Configuration;
using Rho1.Training.Runs;

namespace Rho1.Experiments;

public static class SweepStaleness
{
    /// <summary>Keys that do not change a run's results: a run differing only in these is reused.</summary>
    static readonly string[] Cosmetic = ["train.log_every", "train.checkpoint_every", "train.keep_checkpoints"];

    /// <summary>How an existing run in <paramref name="dir"/> differs from what the sweep asks of it, or null (none, or no run yet).</summary>
    public static string? Check(string dir, RunConfig requested, SweepOptions o)
    {
        string configPath = Path.Combine(dir, "config.json");
        if (!File.Exists(configPath)) return null;
        var recorded = ConfigLoader.Load(configPath, []);
        if (o.Init != null) // the model's shape comes from --init; where it started is compared below
            requested = requested with { Model = recorded.Model };
        else if (requested.Model.VocabSize == 0) // "the dataset's", resolved when the run started
            requested = requested with { Model = requested.Model with { VocabSize = recorded.Model.VocabSize } };
        var differences = ResumeCheck.Diff(recorded, requested)
            .Where(d => !Cosmetic.Contains(d.Key)).Select(d => $"{d.Key} {d.From?.ToJsonString()} → {d.To?.ToJsonString()}").ToList();
        string Full(string? path) => path is null ? "" : Path.GetFullPath(path);
        string summaryPath = Path.Combine(dir, "summary.json");
        var summary = File.Exists(summaryPath) ? JsonSerializer.Deserialize<TrainSummary>(File.ReadAllText(summaryPath)) : null;
        // Where the run started: its summary says, else its newest checkpoint (a run without either has trained nothing).
        var checkpoint = summary is null ? CheckpointSearch.LatestComplete(dir, []) : null;
        if (summary != null || checkpoint != null)
        {
            string? startedFrom = summary != null ? summary.InitFrom : Checkpoint.ReadState(checkpoint!).InitFrom;
            if (Full(startedFrom) != (o.Init is null ? "" : Full(CheckpointSearch.Resolve(o.Init))))
                differences.Add($"--init {startedFrom ?? "none"} → {o.Init ?? "none"}");
        }
        if (summary != null)
        {
            var objective = summary.Objective;
            string mode = objective["reference_mode"]?.GetValue<string>() ?? "none";
            string wanted = o.RefScores != null ? "offline" : o.RefCheckpoint != null ? "online" : "none";
            if (mode != wanted)
                differences.Add($"reference {mode} → {wanted}");
            else if (mode == "offline" && Full(objective["ref_scores"]?.GetValue<string>()) != Full(o.RefScores))
                differences.Add($"--ref-scores {objective["ref_scores"]} → {o.RefScores}");
            else if (mode == "online" && Full(objective["reference"]?.GetValue<string>()) != Full(CheckpointSearch.Resolve(o.RefCheckpoint!)))
                differences.Add($"--ref {objective["reference"]} → {o.RefCheckpoint}");
            string? refData = SweepRunner.RefDataFor(requested, o);
            if (mode == "online" && Full(objective["ref_data"]?.GetValue<string>()) != Full(refData))
                differences.Add($"--ref-data {objective["ref_data"]?.GetValue<string>() ?? "none"} → {refData ?? "none"}");
        }
        if (summary != null && o.EvalTasks.Select(TaskFile.NameOf).FirstOrDefault(t => summary.FinalTasks?.ContainsKey(t) != true) is { } unscored)
            differences.Add($"--eval-task {unscored} not scored");
        else if (summary?.FinalTasks is { Count: > 0 } && o.EvalTasks.Count > 0)
        {
            // Task figures made another way (shots, items, framing) are not this sweep's; runs from before this was recorded framed as documents.
            string evaluated = summary.TaskSettings
                ?? (o.EvalTaskSettings with { SequenceStart = TaskPrompt.Document, Layout = null }).Describe(o.EvalTaskLimit);
            string asked = o.EvalTaskSettings.Describe(o.EvalTaskLimit);
            if (evaluated != asked) differences.Add($"tasks evaluated {evaluated} → {asked}");
        }
        return differences.Count == 0 ? null : string.Join(", ", differences);
    }
}

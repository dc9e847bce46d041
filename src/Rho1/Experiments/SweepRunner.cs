// One run of a sweep (a ratio of `sweep --ratios`, a cell of `sweep --grid`): trained, resumed or reused in
// its directory, then evaluated on the whole held-out set. A run an earlier sweep trained with other settings
// is refused (or, with --force, retrained) rather than reported under this sweep's header.
using System.Text.Json;
using Rho1.Evaluation;
using Rho1.Evaluation.Tasks;
using Rho1.Model.Storage;
using Rho1.Training;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;
using Rho1.Training.Runs;
using Serilog;

namespace Rho1.Experiments;

public static class SweepRunner
{
    /// <summary>Trains <paramref name="config"/> into <paramref name="dir"/>, resuming a partial run and reusing a finished one.</summary>
    public static TrainSummary TrainOrReuse(SweepOptions o, string dir, RunConfig config, string label, CancellationToken cancel)
    {
        if (SweepStaleness.Check(dir, config, o) is { } stale)
        {
            var contents = IO.OutputDirectory.Inspect(dir);
            if (!o.Force || contents.Kind != IO.OutputDirectory.Kind.Run || contents.FirstForeign != null)
                throw new UserErrorException($"{dir}: trained with other settings ({stale}); rerun with --force to retrain it, or choose another --out");
            Log.Warning("--force: retraining {Dir}, trained with other settings ({Stale})", dir, stale);
            o.World.Barrier(); // every rank has compared before rank 0 deletes
            if (o.World.Rank == 0) Directory.Delete(dir, recursive: true);
        }
        o.World.Barrier();
        string summaryPath = Path.Combine(dir, "summary.json");
        if (File.Exists(summaryPath))
        {
            Log.Information("{Label}: reusing the finished run in {Dir}", label, dir);
            return JsonSerializer.Deserialize<TrainSummary>(File.ReadAllText(summaryPath))!;
        }
        Log.Information("{Label}: training into {Dir}", label, dir);
        double ratio = config.Selection.Ratio;
        var trained = new Trainer(new TrainOptions(config, o.DataDir, dir, o.Device, Resume: "auto")
            {
                EvalDataDir = o.EvalDataDir, Init = o.Init, SetKeys = o.SetKeys, AllowEvalOverlap = o.AllowEvalOverlap,
                EvalTasks = o.EvalTasks, EvalTaskLimit = o.EvalTaskLimit, EvalTaskSettings = o.EvalTaskSettings,
                World = o.World, LocalRank = o.LocalRank, LocalSize = o.LocalSize,
            },
            setup => ratio < 1 || setup.Config.Selection.Score is "excess" or "ref"
                ? SelectiveObjective.For(setup, o.RefCheckpoint, o.RefScores, RefDataFor(config, o))
                : SelectiveObjective.For(setup, null, null)).Run(cancel);
        o.World.Barrier(); // rank 0 writes the final checkpoint that every rank's final evaluation reads
        return trained;
    }

    /// <summary>
    /// The final checkpoint's held-out figures over the whole --eval-data (or --final-eval-batches of it), in the run's window
    /// length. The ranks of a job share the batches and all get one process's figures: no rank waits for another's evaluation.
    /// </summary>
    public static EvalResult FinalEvaluation(SweepOptions o, string runDir, RunConfig config, string label)
    {
        Log.Information("{Label}: final held-out evaluation of {Data} ({Batches})", label, o.EvalDataDir,
            o.FinalEvalBatches == 0 ? "the whole split" : $"{o.FinalEvalBatches} batches");
        return CheckpointEvaluation.Run(new EvalOptions(Path.Combine(runDir, "final"), o.EvalDataDir, Device: o.Device, BatchSize: config.Train.BatchSize,
            MaxBatches: o.FinalEvalBatches) { World = o.World, LocalRank = o.LocalRank, LocalSize = o.LocalSize });
    }

    /// <summary>--ref-data for a run: the clean data of a refreshing reference, so only for a config that refreshes one (a grid may mix both).</summary>
    public static string? RefDataFor(RunConfig config, SweepOptions o) => config.Selection.RefreshesReference ? o.RefData : null;

    /// <summary>Refuses --ref-data when no run of the sweep refreshes its reference (it would be ignored).</summary>
    public static void CheckRefData(SweepOptions o, IEnumerable<RunConfig> runs)
    {
        if (o.RefData != null && !runs.Any(c => c.Selection.RefreshesReference))
            throw new UserErrorException("--ref-data is the clean data of a refreshing reference: set selection.ref_refresh_every (--ref-refresh N) too, or leave --ref-data out");
    }

    /// <summary>Every task file checked before the first run trains.</summary>
    public static void CheckTasks(SweepOptions o)
    {
        if (o.EvalTasks.Count > 0)
            TaskRun.Load(o.EvalTasks, null, o.EvalTaskLimit, o.EvalTaskSettings.FewShot, o.EvalTaskSettings.Layout);
    }

    /// <summary>Refuses an --out that holds something other than a sweep.</summary>
    public static void CheckOut(SweepOptions o)
    {
        var outContents = IO.OutputDirectory.Inspect(o.OutDir);
        if (outContents.Kind is not (IO.OutputDirectory.Kind.Missing or IO.OutputDirectory.Kind.Empty or IO.OutputDirectory.Kind.Sweep))
            throw new UserErrorException(IO.OutputDirectory.Refusal("--out", o.OutDir, outContents, IO.OutputDirectory.Kind.Sweep));
    }

    /// <summary>Whether a run in <paramref name="dir"/> can resume: the newest complete checkpoint's step, or null.</summary>
    public static int? InterruptedAt(string dir) =>
        Directory.Exists(dir) && CheckpointSearch.LatestComplete(dir, []) is { } checkpoint ? Checkpoint.ReadState(checkpoint).Step : null;
}

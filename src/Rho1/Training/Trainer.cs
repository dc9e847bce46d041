// The one training loop, shared by `train-ref` (plain CLM) and `train` (selective): set-up and resume
// (TrainingRun), then per step forward → per-token losses → objective → backward → clip → AdamW, with
// logging, evaluation and checkpoints around it. Token selection enters only through ITrainingObjective.
// Data-parallel, each rank runs this loop on its rows of every batch; gradients are averaged after backward,
// so every rank makes the same update; the ranks share evaluations, rank 0 alone writes.
using System.Text.Json;
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using Rho1.Distributed;
using Rho1.Evaluation;
using Rho1.Evaluation.Tasks;
using Rho1.IO;
using Rho1.Model;
using Rho1.Platform;
using Rho1.Training.Objectives;
using Rho1.Optimization;
using Rho1.Training.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Training;

public sealed class Trainer
{
    readonly TrainOptions _options;
    readonly Func<TrainingSetup, ITrainingObjective> _objectiveFactory;

    public Trainer(TrainOptions options, Func<TrainingSetup, ITrainingObjective> objectiveFactory)
    {
        _options = options;
        _objectiveFactory = objectiveFactory;
    }

    public TrainSummary Run(CancellationToken cancel = default)
    {
        using var run = TrainingRun.Open(_options, _objectiveFactory);
        var t = run.Config.Train;
        while (run.Progress.Step < t.Steps)
        {
            if (StopRequested(run, cancel))
                RunCheckpoints.Interrupt(run);
            Platform.FaultInjection.At("step");
            using var scope = torch.NewDisposeScope();
            bool logStep = (run.Progress.Step + 1) % t.LogEvery == 0 || run.Progress.Step + 1 == t.Steps;
            var result = Step(run, logStep);
            if (logStep)
                Log(run, result);
            RunEvaluation.MaybeEvaluate(run);
            _options.AfterStep?.Invoke(run.Progress.Step);
            RunCheckpoints.MaybeSave(run);
            ReportProgress(run);
        }
        return Summarise(run);
    }

    /// <summary>
    /// Whether to stop before the next step: this process was interrupted, or (data parallel) any rank was, agreed by a
    /// one-number all-reduce, so that every rank stops after the same step and rank 0's checkpoint is the job's. Signals
    /// reach the ranks of a job at slightly different times; a rank that stopped alone would leave the others waiting.
    /// </summary>
    static bool StopRequested(TrainingRun run, CancellationToken cancel)
    {
        if (run.World is SingleProcess) return cancel.IsCancellationRequested;
        if (!StopCheckDue(run.Progress.Step, run.Config.Train.LogEvery, run.Device.type == DeviceType.CUDA)) return false;
        using var flag = torch.tensor(new[] { cancel.IsCancellationRequested ? 1f : 0f }, device: run.Device);
        run.World.AllReduceSum(flag);
        return flag.item<float>() > 0;
    }

    /// <summary>
    /// Whether the ranks agree on stopping before step <paramref name="completed"/> + 1. On a CPU every step (the all-reduce
    /// is a host call anyway). On CUDA reading the flag waits for the device, so only after a logged step, which waits for
    /// it already: an interrupt then stops the job within train.log_every steps, and no other step is held up by it.
    /// </summary>
    internal static bool StopCheckDue(long completed, int logEvery, bool cuda) => !cuda || completed % Math.Max(1, logEvery) == 0;

    /// <summary>One optimizer step over train.grad_accum micro-batches; skips the update if the loss or gradient is not finite.</summary>
    static StepResult Step(TrainingRun run, bool logStep)
    {
        var t = run.Config.Train;
        double lr = LrSchedule.At(run.Progress.Step, t);
        var meanLoss = torch.zeros(1, device: run.Device);
        IReadOnlyDictionary<string, Tensor> stats = new Dictionary<string, Tensor>();
        run.Objective.BeginStep(run.Progress.Step);
        var batches = Enumerable.Range(0, t.GradAccum).Select(_ => run.Loader.Next()).ToList();
        if (t.GradAccum > 1 && run.Objective.RanksWholeStep(run.Progress.Step))
            PrepareStep(run, batches);
        using var accum = t.GradAccum.ToScalar(); // held for the step's calls (HeldScalars.cs)
        for (int micro = 0; micro < t.GradAccum; micro++)
        {
            // Nothing of a micro-batch outlives its backward but the step's statistics: survivors scattered among
            // the freed activations fragment the allocator's heap, so that each micro-batch would take fresh memory.
            using var microScope = torch.NewDisposeScope();
            var batch = batches[micro];
            var tokenLosses = run.Model.TokenLosses(batch.Inputs, batch.Targets); // (B, T)
            bool last = micro == t.GradAccum - 1;
            var output = run.Objective.Reduce(tokenLosses, batch, run.Progress.Step, withStats: logStep && last, micro);
            output.Loss.div(accum).backward();
            run.Model.ReleaseBackwardHandles();
            run.Progress.AllReduceSeconds += run.Optimizer.AccumulateMicroBatch(); // train.zero=2: into the fp32 sums
            using (torch.no_grad())
                meanLoss.add_(tokenLosses.detach().mean().div_(accum), HeldScalars.One);
            if (last)
                stats = output.Stats.ToDictionary(kv => kv.Key, kv => kv.Value.MoveToOuterDisposeScope());
        }
        // Averaged over ranks (a communicator of one too, RHO1_COLLECTIVES=nccl, so that its calls are exercised; a sharded
        // optimizer also on one process, to fill its gradient chunks).
        run.Progress.AllReduceSeconds += run.Optimizer.ReduceGradients(run.World);
        if (run.World is not SingleProcess)
        {
            run.World.AllReduceSum(meanLoss); // every rank then takes the same skip decision
            using var ranks = run.World.Size.ToScalar(); // held for the call (HeldScalars.cs)
            meanLoss.div_(ranks);
        }
        var gradNorm = run.Optimizer.ClipGradients(t.GradClip);
        // A non-finite loss or gradient must skip the update before it lands: decided on the device (CUDA), or by
        // one host read (CPU, where it costs nothing).
        var finite = torch.isfinite(meanLoss.add(gradNorm, HeldScalars.One)).all();
        if (run.DeviceSideSkip)
            GatedUpdate(run, lr, finite);
        else if (finite.item<bool>())
        {
            run.Optimizer.Update(lr);
            run.Progress.BadSteps = 0;
        }
        else
            SkipUpdate(run);
        run.Optimizer.ZeroGrad();
        run.Model.WeightsChanged(); // bf16 casts of the old weights must not serve the next step
        run.Progress.Step++;
        run.Progress.Tokens += run.TokensPerStep;
        run.Progress.WindowTokens += run.TokensPerStep;
        return new StepResult(lr, meanLoss, gradNorm, stats);
    }

    /// <summary>An extra forward without gradient over the step's micro-batches, so that the objective can rank the whole step.</summary>
    static void PrepareStep(TrainingRun run, IReadOnlyList<Batch> batches)
    {
        using var noGrad = torch.no_grad();
        run.Objective.PrepareStep(run.Progress.Step, batches, batches.Select(b => run.Model.TokenLosses(b.Inputs, b.Targets)).ToList());
    }

    /// <summary>The update gated on the device, with the fault counters kept there too: no host read.</summary>
    static void GatedUpdate(TrainingRun run, double lr, Tensor finite)
    {
        run.Optimizer.Update(lr, finite);
        var bad = finite.logical_not().to(ScalarType.Int64);
        run.Progress.BadRunOnDevice ??= torch.zeros(Array.Empty<long>(), ScalarType.Int64, run.Device).DetachFromDisposeScope();
        run.Progress.SkippedOnDevice ??= torch.zeros(Array.Empty<long>(), ScalarType.Int64, run.Device).DetachFromDisposeScope();
        run.Progress.BadRunOnDevice.add_(HeldScalars.One).mul_(bad); // consecutive count: reset by a good step
        run.Progress.SkippedOnDevice.add_(bad, HeldScalars.One);
    }

    /// <summary>Device-side skip: at a log step, the faults since the last one are read, reported and checked against max_bad_steps.</summary>
    static void CheckDeviceFaults(TrainingRun run)
    {
        if (run.Progress.BadRunOnDevice is null || run.Progress.SkippedOnDevice is null) return;
        int max = run.Config.Train.MaxBadSteps, step = run.Progress.Step;
        int bad = (int)run.Progress.BadRunOnDevice.item<long>(), skipped = (int)run.Progress.SkippedOnDevice.item<long>();
        run.Progress.SkippedOnDevice.zero_();
        if (skipped == 0) return;
        run.Progress.SkippedSinceLog = skipped;
        run.Progress.BadSteps = bad;
        if (bad >= max)
            throw new TrainingFailedException($"steps {step + 1 - bad}-{step}: {bad} consecutive non-finite losses or gradients " +
                $"(train.max_bad_steps={max}); {(run.Progress.LastCheckpoint is null ? "no checkpoint was written yet" : $"last good checkpoint: {run.Progress.LastCheckpoint}")}; " +
                "lower train.lr or check the data, then rerun with --resume auto");
        run.Log.Warning("step {Step}: {Skipped} update(s) since the last log line skipped for a non-finite loss or gradient ({Bad}/{Max} in a row)",
            step, skipped, bad, max);
    }

    static void SkipUpdate(TrainingRun run)
    {
        int max = run.Config.Train.MaxBadSteps, step = run.Progress.Step;
        if (++run.Progress.BadSteps >= max)
            throw new TrainingFailedException($"steps {step + 2 - run.Progress.BadSteps}-{step + 1}: {run.Progress.BadSteps} consecutive non-finite losses or gradients " +
                $"(train.max_bad_steps={max}); {(run.Progress.LastCheckpoint is null ? "no checkpoint was written yet" : $"last good checkpoint: {run.Progress.LastCheckpoint}")}; " +
                "lower train.lr or check the data, then rerun with --resume auto");
        run.Progress.SkippedSinceLog++;
        run.Log.Warning("step {Step}: non-finite loss or gradient, update skipped ({Bad}/{Max} in a row)", step + 1, run.Progress.BadSteps, max);
    }

    /// <summary>A metrics line and a log line: the step's values are read from the device only here.</summary>
    static void Log(TrainingRun run, StepResult result)
    {
        CheckDeviceFaults(run);
        (double Min, double Max, double AllReduce)? ranks = run.World.Size > 1 ? RankTimes(run) : null; // a collective: every rank
        if (run.IsMain)
            WriteLogLine(run, result, ranks);
        run.Progress.SkippedSinceLog = 0;
        run.Progress.Window.Restart();
        run.Progress.WindowTokens = 0;
    }

    /// <summary>Rank 0's share of a log step: tokens/s, the metrics record and the step line.</summary>
    static void WriteLogLine(TrainingRun run, StepResult result, (double Min, double Max, double AllReduce)? ranks)
    {
        run.Progress.TokensPerSecond = run.Progress.WindowTokens / Math.Max(1e-9, run.Progress.Window.Elapsed.TotalSeconds);
        run.Progress.LastLoss = result.MeanLoss.item<float>();
        float gradNorm = result.GradNorm.item<float>();
        var record = new JsonObject
        {
            ["step"] = run.Progress.Step, ["tokens"] = run.Progress.Tokens, ["loss"] = run.Progress.LastLoss, ["lr"] = result.Lr,
            ["grad_norm"] = gradNorm, ["tokens_per_s"] = MetricsLog.Round(run.Progress.TokensPerSecond, 4),
            ["mfu"] = MetricsLog.Round(run.FlopsPerToken * run.Progress.TokensPerSecond / (run.PeakGflops * 1e9), 4),
        };
        foreach (var (name, value) in result.Stats)
            record[name] = value.to(ScalarType.Float64).item<double>();
        if (run.Progress.SkippedSinceLog > 0)
            record["skipped_updates"] = run.Progress.SkippedSinceLog;
        if (ranks is { } r)
        {
            // Per step over the log window: the slowest and fastest rank (stragglers), and the gradient all-reduce.
            (record["rank_step_s_min"], record["rank_step_s_max"]) = (MetricsLog.Round(r.Min, 4), MetricsLog.Round(r.Max, 4));
            record["allreduce_s"] = MetricsLog.Round(r.AllReduce, 4);
        }
        run.Metrics.Write(record);
        // Elapsed over every attempt of the run; the ETA at this attempt's pace: what a SLURM log needs, where no bar is drawn.
        run.StepLog.Information("step {Step}/{Steps} loss {Loss:F4} lr {Lr:G3} grad norm {Norm:F3} {Tps:N0} tokens/s elapsed {Elapsed} ETA {Eta}",
            run.Progress.Step, run.Config.Train.Steps, run.Progress.LastLoss, result.Lr, gradNorm, run.Progress.TokensPerSecond,
            StepProgress.Format(TimeSpan.FromSeconds(run.WallSeconds)), StepProgress.Format(run.Progress.Eta(run.Config.Train.Steps, run.ResumedAt)));
    }

    /// <summary>
    /// Seconds per step since the last log on the fastest and the slowest rank (their busy time, not counting the wait in
    /// collectives, is not separable here: a straggler shows as every rank's time rising), and rank 0's all-reduce time per step.
    /// </summary>
    static (double Min, double Max, double AllReduce) RankTimes(TrainingRun run)
    {
        int steps = Math.Max(1, (int)(run.Progress.WindowTokens / run.TokensPerStep));
        double mine = (run.Progress.Window.Elapsed.TotalSeconds - run.Progress.AllReduceSeconds) / steps;
        using var all = run.World.AllGather(torch.tensor(new[] { mine }, ScalarType.Float64));
        double[] times = all.data<double>().ToArray();
        double allReduce = run.Progress.AllReduceSeconds / steps;
        run.Progress.AllReduceSeconds = 0;
        return (times.Min(), times.Max(), allReduce);
    }

    /// <summary>The metrics.jsonl key of a task's metric: "task/NAME/acc".</summary>
    public static string TaskMetricKey(string task, string metric) => $"task/{task}/{metric}";

    void ReportProgress(TrainingRun run)
    {
        if (_options.OnProgress is null || !run.IsMain) return;
        var t = run.Config.Train;
        var eta = run.Progress.Eta(t.Steps, run.ResumedAt);
        _options.OnProgress(new TrainProgress(run.Progress.Step, t.Steps, run.Progress.Step % t.LogEvery == 0 ? run.Progress.LastLoss : null, run.Progress.TokensPerSecond, eta));
    }

    static Dictionary<string, double> FinalTaskMetrics(TrainingRun run, string task) =>
        TaskMetrics.All
            .Where(m => run.Metrics.Last(TaskMetricKey(task, m)) != null).ToDictionary(m => m, m => run.Metrics.Last(TaskMetricKey(task, m))!.Value);

    /// <summary>summary.json, from metrics.jsonl rather than this process's last step: a run resumed from its final
    /// checkpoint (killed before summary.json was written) runs no step but must write the same summary.</summary>
    static TrainSummary Summarise(TrainingRun run)
    {
        var t = run.Config.Train;
        double wall = run.WallSeconds, overall = run.Progress.Tokens / Math.Max(1e-9, wall);
        if (!run.IsMain)
            return new TrainSummary { Steps = run.Progress.Step, Tokens = run.Progress.Tokens, FinalCheckpoint = run.Directory.FinalDir };
        var summary = new TrainSummary
        {
            Steps = run.Progress.Step, Tokens = run.Progress.Tokens, FinalLoss = run.Metrics.Last("loss"), FinalValLoss = run.Metrics.Last("val_loss"),
            FinalValBpb = run.Metrics.Last("val_bpb"), WallSeconds = Math.Round(wall, 3), TokensPerSecond = Math.Round(overall, 2),
            Mfu = Math.Round(run.FlopsPerToken * overall / (run.PeakGflops * 1e9), 4), PeakGflops = Math.Round(run.PeakGflops, 1),
            Parameters = run.Parameters, Precision = t.Precision, Device = DeviceSpec.Name(run.Device), Objective = run.Objective.Describe(),
            FinalCheckpoint = run.Directory.FinalDir, InitFrom = run.InitFrom, FinalValTokens = (long?)run.Metrics.Last("val_tokens"),
            FinalTasks = run.Tasks.Count == 0 ? null : run.Tasks.ToDictionary(task => task.Name, task => FinalTaskMetrics(run, task.Name)),
            TaskSettings = run.Tasks.Count == 0 ? null : run.Options.EvalTaskSettings.Describe(run.Options.EvalTaskLimit),
        };
        AtomicFile.WriteAllText(Path.Combine(run.Directory.Dir, "summary.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        run.Log.Information("done: {Steps} steps, {Tokens:N0} tokens in {Wall:F1}s ({Tps:N0} tokens/s), final checkpoint {Final}",
            run.Progress.Step, run.Progress.Tokens, wall, overall, run.Directory.FinalDir);
        return summary;
    }
}

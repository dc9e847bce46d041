// The one training loop, shared by `train-ref` (plain CLM) and `train` (selective): set-up and resume,
// then per step forward → per-token losses → objective → backward → clip → AdamW, with metrics, evaluation
// and checkpoints. Token selection enters only through ITrainingObjective.
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using Rho1.Data.Reading;
using Rho1.Data.Sampling;
using Rho1.Evaluation;
using Rho1.IO;
using Rho1.Model;
using Rho1.Model.Storage;
using Rho1.Platform;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;
using Rho1.Training.Optimization;
using Rho1.Training.Runs;
using Serilog;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Training;

/// <summary>What an objective factory may look at: the resolved config, the device and the training data.</summary>
public sealed record TrainingSetup(RunConfig Config, Device Device, TokenDataset Dataset);

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
        var o = _options;
        var device = DeviceSpec.Resolve(o.Device);
        using var dataset = TokenDataset.OpenVerified(o.DataDir);
        var config = RunCompatibility.ResolveVocabulary(o.Config, dataset);
        config.Validate();
        var t = config.Train;
        // Everything that can refuse the run (resume point, evaluation data, reference, sampler) is checked before
        // RunDirectory.Create, so a refused run creates, overwrites and deletes nothing.
        var run = RunDirectory.Plan(o.OutDir, o.Resume, o.Force);
        LoadedCheckpoint? resumed = run.ResumeFrom is null ? null : Checkpoint.Load(run.ResumeFrom);
        if (resumed != null)
            RunCompatibility.CheckResumable(resumed.State, config, dataset, resumed.Path);
        using var evalData = o.EvalDataDir is null ? null : TokenDataset.OpenVerified(o.EvalDataDir);
        if (evalData != null)
            TokenizerMatch.Require($"--eval-data {o.EvalDataDir}", evalData.Meta.Tokenizer, evalData.Meta.VocabSize, dataset);
        var objective = _objectiveFactory(new TrainingSetup(config, device, dataset));
        using var objectiveLifetime = objective as IDisposable;
        var (valSplit, bytesPerToken) = RunCompatibility.EvaluationSplit(evalData ?? dataset, t.SeqLen, evalData != null);

        if (device.type == DeviceType.CUDA)
            torch.backends.cuda.matmul.allow_tf32 = true;
        using var model = new Transformer(config.Model, t.Seed);
        model.to(device);
        model.ComputeType = t.Precision == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;
        using var optimizer = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), t.Beta1, t.Beta2, t.Eps, t.WeightDecay);
        var loader = new BatchLoader(dataset.Split("train"), t.BatchSize, t.SeqLen, t.Seed, device);
        int step = 0, badSteps = 0, skipped = 0;
        long tokens = 0;
        double priorWall = 0;
        string? lastCheckpoint = resumed?.Path;
        if (resumed != null)
        {
            ModelCheckpoint.LoadWeights(model, resumed.Model, resumed.Path);
            optimizer.LoadState(resumed.Optimizer, resumed.State.OptimizerStep);
            loader.Sampler.Restore(new SamplerCursor(resumed.State.SamplerEpoch, resumed.State.SamplerPosition));
            objective.LoadState(resumed.State.Objective);
            (step, tokens, priorWall) = (resumed.State.Step, resumed.State.TokensSeen, resumed.State.WallSeconds);
            foreach (var tensor in resumed.Model.Values.Concat(resumed.Optimizer.Values)) tensor.Dispose();
        }

        run.Create();
        using var fileLog = new LoggerConfiguration().MinimumLevel.Debug()
            .WriteTo.File(Path.Combine(run.Dir, "train.log"), outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
        using var log = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Logger(Log.Logger).WriteTo.Logger(fileLog).CreateLogger();
        var stepLog = o.StepLinesOnConsole ? log : fileLog;
        foreach (string damaged in run.Skipped)
            log.Warning("skipping checkpoint {Damaged}", damaged);
        if (resumed != null)
            log.Information("resumed from {Checkpoint} at step {Step}", resumed.Path, step);
        if (valSplit is null)
            log.Warning("{Data} has no val split of more than {T} tokens: no evaluation", dataset.Directory, t.SeqLen);
        AtomicFile.WriteAllText(Path.Combine(run.Dir, "config.json"), ConfigLoader.ToJson(config));
        long parameters = model.ParameterCount;
        double flopsPerToken = FlopCounter.TrainFlopsPerToken(config.Model, parameters, t.SeqLen) + objective.ExtraFlopsPerToken;
        double peak = t.PeakGflops > 0 ? t.PeakGflops
            : MatmulThroughput.Measure(device, model.ComputeType, n: device.type == DeviceType.CUDA ? 8192 : 1024, repeats: 3);
        log.Information("model {Params:N0} parameters, {Flops:G3} FLOP/token, peak {Peak:F0} GFLOP/s ({Precision}) on {Device}",
            parameters, flopsPerToken, peak, t.Precision, DeviceSpec.Name(device));

        using var metrics = new MetricsLog(run.Dir, step, o.TensorBoard);
        var wall = Stopwatch.StartNew();
        var window = Stopwatch.StartNew();
        long windowTokens = 0;
        double lastLoss = double.NaN, tokensPerSecond = 0;
        long tokensPerStep = (long)t.BatchSize * t.SeqLen * t.GradAccum;

        while (step < t.Steps)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            double lr = LrSchedule.At(step, t);
            var meanLoss = torch.zeros(1, device: device);
            IReadOnlyDictionary<string, Tensor> stats = new Dictionary<string, Tensor>();
            bool logStep = (step + 1) % t.LogEvery == 0 || step + 1 == t.Steps;
            for (int micro = 0; micro < t.GradAccum; micro++)
            {
                var batch = loader.Next();
                var tokenLosses = model.TokenLosses(batch.Inputs, batch.Targets); // (B, T)
                var output = objective.Reduce(tokenLosses, batch, step, withStats: logStep && micro == t.GradAccum - 1);
                (output.Loss / t.GradAccum).backward();
                meanLoss += tokenLosses.detach().mean() / t.GradAccum;
                stats = output.Stats;
            }
            var gradNorm = GradientClipping.ClipGlobalNorm(model.parameters(), t.GradClip);
            // One host read per step: a non-finite loss or gradient must skip the update before it lands.
            bool finite = torch.isfinite(meanLoss + gradNorm).all().item<bool>();
            if (finite)
            {
                optimizer.Update(lr);
                badSteps = 0;
            }
            else if (++badSteps >= t.MaxBadSteps)
                throw new TrainingFailedException($"steps {step + 2 - badSteps}-{step + 1}: {badSteps} consecutive non-finite losses or gradients " +
                    $"(train.max_bad_steps={t.MaxBadSteps}); {(lastCheckpoint is null ? "no checkpoint was written yet" : $"last good checkpoint: {lastCheckpoint}")}; " +
                    "lower train.lr or check the data, then rerun with --resume auto");
            else
            {
                skipped++;
                log.Warning("step {Step}: non-finite loss or gradient, update skipped ({Bad}/{Max} in a row)", step + 1, badSteps, t.MaxBadSteps);
            }
            optimizer.ZeroGrad();
            step++;
            tokens += tokensPerStep;
            windowTokens += tokensPerStep;

            if (logStep)
            {
                tokensPerSecond = windowTokens / Math.Max(1e-9, window.Elapsed.TotalSeconds);
                lastLoss = meanLoss.item<float>();
                float gradNormValue = gradNorm.item<float>();
                var record = new JsonObject
                {
                    ["step"] = step, ["tokens"] = tokens, ["loss"] = lastLoss, ["lr"] = lr,
                    ["grad_norm"] = gradNormValue, ["tokens_per_s"] = MetricsLog.Round(tokensPerSecond, 4),
                    ["mfu"] = MetricsLog.Round(flopsPerToken * tokensPerSecond / (peak * 1e9), 4),
                };
                foreach (var (name, value) in stats)
                    record[name] = value.to(ScalarType.Float64).item<double>();
                if (skipped > 0)
                    record["skipped_updates"] = skipped;
                metrics.Write(record);
                stepLog.Information("step {Step}/{Steps} loss {Loss:F4} lr {Lr:G3} grad norm {Norm:F3} {Tps:N0} tokens/s",
                    step, t.Steps, lastLoss, lr, gradNormValue, tokensPerSecond);
                skipped = 0;
                window.Restart();
                windowTokens = 0;
            }
            bool last = step == t.Steps;
            if (valSplit != null && (last || (t.EvalEvery > 0 && step % t.EvalEvery == 0)))
            {
                var lastEval = Evaluator.Evaluate(model, valSplit, bytesPerToken, t.BatchSize, t.SeqLen, t.EvalBatches, device);
                metrics.Write(new JsonObject { ["step"] = step, ["tokens"] = tokens, ["val_loss"] = lastEval.Loss, ["val_bpb"] = lastEval.BitsPerByte });
                log.Information("step {Step}: val loss {Loss:F4}, {Bpb:F4} bits/byte", step, lastEval.Loss, lastEval.BitsPerByte);
            }
            o.AfterStep?.Invoke(step);
            var cursor = loader.Sampler.Cursor;
            TrainerState State() => new()
            {
                Step = step, TokensSeen = tokens, SamplerEpoch = cursor.Epoch, SamplerPosition = cursor.Position,
                OptimizerStep = optimizer.Step, Objective = objective.SaveState(), Config = config,
                Tokenizer = dataset.Meta.Tokenizer, VocabSize = dataset.Meta.VocabSize, EosId = dataset.Meta.EosId,
                DatasetFingerprint = dataset.Fingerprint, DataDir = Path.GetFullPath(o.DataDir), WallSeconds = priorWall + wall.Elapsed.TotalSeconds,
            };
            void Save(string dir)
            {
                try
                {
                    Checkpoint.Save(dir, State(), model.state_dict().Select(kv => (kv.Key, kv.Value)), optimizer.State());
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Checkpoint.Save removed its temporary directory and touched no complete checkpoint.
                    throw new TrainingFailedException($"writing checkpoint {dir} failed ({e.Message}); " +
                        $"{(lastCheckpoint is null ? "no earlier checkpoint exists" : $"the previous checkpoint {lastCheckpoint} is intact")}; " +
                        "free disk space, then rerun with --resume auto", e);
                }
                lastCheckpoint = dir;
            }
            if (last)
                Save(run.FinalDir);
            else if (t.CheckpointEvery > 0 && step % t.CheckpointEvery == 0)
            {
                Save(run.StepDir(step));
                run.PruneCheckpoints(t.KeepCheckpoints);
            }
            ReportProgress(step, t.Steps, step % t.LogEvery == 0 ? lastLoss : null, tokensPerSecond, wall.Elapsed, resumedAt: resumed?.State.Step ?? 0);
        }

        double totalWall = priorWall + wall.Elapsed.TotalSeconds;
        double overall = tokens / Math.Max(1e-9, totalWall);
        var summary = new TrainSummary
        {
            // From metrics.jsonl, not this process's last step: a run resumed from its final checkpoint (killed
            // before summary.json was written) runs no step but must write the same summary.
            Steps = step, Tokens = tokens, FinalLoss = metrics.Last("loss"), FinalValLoss = metrics.Last("val_loss"), FinalValBpb = metrics.Last("val_bpb"),
            WallSeconds = Math.Round(totalWall, 3), TokensPerSecond = Math.Round(overall, 2),
            Mfu = Math.Round(flopsPerToken * overall / (peak * 1e9), 4), PeakGflops = Math.Round(peak, 1), Parameters = parameters,
            Precision = t.Precision, Device = DeviceSpec.Name(device), Objective = objective.Describe(), FinalCheckpoint = run.FinalDir,
        };
        AtomicFile.WriteAllText(Path.Combine(run.Dir, "summary.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        log.Information("done: {Steps} steps, {Tokens:N0} tokens in {Wall:F1}s ({Tps:N0} tokens/s), final checkpoint {Final}",
            step, tokens, totalWall, overall, run.FinalDir);
        return summary;
    }

    void ReportProgress(int step, int steps, double? loss, double tokensPerSecond, TimeSpan elapsed, int resumedAt)
    {
        if (_options.OnProgress is null) return;
        int done = Math.Max(1, step - resumedAt);
        var eta = TimeSpan.FromSeconds(elapsed.TotalSeconds / done * (steps - step));
        _options.OnProgress(new TrainProgress(step, steps, loss, tokensPerSecond, eta));
    }
}

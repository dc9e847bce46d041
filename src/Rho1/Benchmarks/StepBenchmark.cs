// Step time of plain training against SLM (offline scores, online reference), measured so that noise cannot
// pose as overhead: one real Trainer run per SLM mode whose objective alternates step by step between plain
// and selective, each step's time read from the trainer's step hook and filed by parity. Both halves see the
// same machine state within milliseconds; separate runs or processes on a shared machine differ by more than
// the overhead being measured.
using System.Diagnostics;
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using Rho1.Training;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;
using Rho1.Training.Runs;
using static TorchSharp.torch;

namespace Rho1.Benchmarks;

/// <summary>One run of an SLM mode: median and mean step time (ms) of its selective steps and of its plain steps.</summary>
public sealed record StepTiming(string Mode, int Repeat, int Steps, double MedianMs, double MeanMs, double PlainMedianMs, double PlainMeanMs);

/// <summary>Per mode, over repeats: median step times, and the ratio to plain (each run's own plain steps): median, min, max.</summary>
public sealed record StepOverhead(string Mode, double MedianMs, double PlainMedianMs, double Ratio, double RatioMin, double RatioMax);

/// <param name="Ratio">Selection ratio of the SLM steps.</param>
/// <param name="WorkDir">Holds the runs (replaced on each call).</param>
public sealed record StepBenchmarkOptions(RunConfig Config, string DataDir, string WorkDir, string? RefScores, string? RefCheckpoint,
    int Repeats = 3, double Ratio = 0.6, string Device = "auto");

public static class StepBenchmark
{
    /// <summary>Every run, in the order run: for each repeat, offline (with scores) then online (with a reference).</summary>
    public static IReadOnlyList<StepTiming> Run(StepBenchmarkOptions o, Action<string>? onRun = null)
    {
        if (o.Repeats < 1) throw new UserErrorException($"--repeats {o.Repeats}: must be at least 1");
        if (o.Config.Train.Steps < 20) throw new UserErrorException($"train.steps={o.Config.Train.Steps}: the step benchmark needs at least 20 (a fifth is warm-up)");
        var modes = new List<(string Name, string? Scores, string? Checkpoint)>();
        if (o.RefScores != null) modes.Add(("offline", o.RefScores, null));
        if (o.RefCheckpoint != null) modes.Add(("online", null, o.RefCheckpoint));
        if (modes.Count == 0) throw new UserErrorException("nothing to compare with plain training: pass --ref-scores DIR and/or --ref CKPT");
        // Only steps are timed: no evaluation, no step checkpoints. An odd log interval puts logged steps (which read
        // values and compute selection statistics) on plain and selective steps alike.
        var train = o.Config.Train with { EvalEvery = 0, CheckpointEvery = 0, LogEvery = o.Config.Train.LogEvery | 1 };
        var config = o.Config with { Train = train, Selection = o.Config.Selection with { Ratio = o.Ratio } };
        var timings = new List<StepTiming>();
        for (int repeat = 1; repeat <= o.Repeats; repeat++)
            foreach (var (name, scores, checkpoint) in modes)
            {
                onRun?.Invoke($"{name} (repeat {repeat} of {o.Repeats})");
                var stamps = new List<double>();
                var clock = Stopwatch.StartNew();
                var options = new TrainOptions(config, o.DataDir, Path.Combine(o.WorkDir, $"{name}-{repeat}"), o.Device, Force: true, TensorBoard: false)
                {
                    StepLinesOnConsole = false,
                    AfterStep = _ => stamps.Add(clock.Elapsed.TotalMilliseconds),
                };
                new Trainer(options, setup => new Alternating(new ClmObjective(), SelectiveObjective.For(setup, checkpoint, scores))).Run();
                timings.Add(Summarise(name, repeat, stamps, warmup: train.Steps / 5));
            }
        return timings;
    }

    /// <summary>
    /// Step i (from 0) ends at stamps[i]; its time is stamps[i] − stamps[i−1]. Even steps were plain, odd ones selective.
    /// Skips <paramref name="warmup"/> steps and the last step, whose interval also holds the run's final evaluation.
    /// </summary>
    public static StepTiming Summarise(string mode, int repeat, IReadOnlyList<double> stamps, int warmup)
    {
        var plain = new List<double>();
        var selective = new List<double>();
        for (int i = Math.Max(1, warmup); i < stamps.Count - 1; i++)
            (i % 2 == 0 ? plain : selective).Add(stamps[i] - stamps[i - 1]);
        if (plain.Count == 0 || selective.Count == 0)
            throw new ArgumentException($"no timed steps after {warmup} warm-up steps", nameof(stamps));
        plain.Sort();
        selective.Sort();
        return new StepTiming(mode, repeat, selective.Count, Median(selective), selective.Average(), Median(plain), plain.Average());
    }

    /// <summary>Per mode, medians over repeats; the ratio divides each run's selective median by its own plain median.</summary>
    public static IReadOnlyList<StepOverhead> Overheads(IReadOnlyList<StepTiming> timings) =>
        timings.GroupBy(t => t.Mode).Select(g =>
        {
            var ratios = g.Select(t => t.MedianMs / t.PlainMedianMs).Order().ToList();
            return new StepOverhead(g.Key, Median(g.Select(t => t.MedianMs).Order().ToList()), Median(g.Select(t => t.PlainMedianMs).Order().ToList()),
                Median(ratios), ratios[0], ratios[^1]);
        }).ToList();

    static double Median(IReadOnlyList<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    /// <summary>Plain on even steps, selective on odd ones; only the timing is of interest, not the model it trains.</summary>
    sealed class Alternating(ITrainingObjective plain, ITrainingObjective selective) : ITrainingObjective, IDisposable
    {
        public void BeginStep(int step) => (step % 2 == 0 ? plain : selective).BeginStep(step);

        public ObjectiveOutput Reduce(Tensor tokenLosses, Batch batch, int step, bool withStats, int micro = 0) =>
            (step % 2 == 0 ? plain : selective).Reduce(tokenLosses, batch, step, withStats, micro);

        public bool RanksWholeStep(int step) => step % 2 == 1 && selective.RanksWholeStep(step);
        public void PrepareStep(int step, IReadOnlyList<Batch> batches, IReadOnlyList<Tensor> tokenLosses) => selective.PrepareStep(step, batches, tokenLosses);

        public double ExtraFlopsPerToken => selective.ExtraFlopsPerToken / 2;
        public JsonObject Describe() => new() { ["objective"] = "alternating plain and selective (bench-step)" };
        public JsonNode? SaveState() => null;
        public void LoadState(JsonNode? state) { }
        public void Dispose() => (selective as IDisposable)?.Dispose();
    }
}

// Step time of plain training against SLM (offline scores, online reference) measured inside one process,
// with the modes alternating run by run: on a shared machine, separate processes differ by tens of percent
// at millisecond steps, far more than the overhead being measured. Each run is a real Trainer run.
using System.Diagnostics;
using Rho1.Configuration;
using Rho1.Selection;
using Rho1.Training;

namespace Rho1.Experiments;

/// <summary>One run: median and mean step time (ms) over its steps after warm-up.</summary>
public sealed record StepTiming(string Mode, int Repeat, int Steps, double MedianMs, double MeanMs);

/// <summary>Per mode: medians over repeats, and the ratio to plain paired within each repeat (median, min, max).</summary>
public sealed record StepOverhead(string Mode, double MedianMs, double Ratio, double RatioMin, double RatioMax);

/// <param name="Ratio">Selection ratio of the SLM modes.</param>
/// <param name="WorkDir">Holds the runs (replaced on each call).</param>
public sealed record StepBenchmarkOptions(RunConfig Config, string DataDir, string WorkDir, string? RefScores, string? RefCheckpoint,
    int Repeats = 3, double Ratio = 0.6, string Device = "auto");

public static class StepBenchmark
{
    /// <summary>Every run, in the order run: for each repeat, plain then offline (with scores) then online (with a reference).</summary>
    public static IReadOnlyList<StepTiming> Run(StepBenchmarkOptions o, Action<string>? onRun = null)
    {
        if (o.Repeats < 1) throw new UserErrorException($"--repeats {o.Repeats}: must be at least 1");
        if (o.Config.Train.Steps < 10) throw new UserErrorException($"train.steps={o.Config.Train.Steps}: the step benchmark needs at least 10 (a fifth is warm-up)");
        var modes = new List<(string Name, string? Scores, string? Checkpoint)> { ("plain", null, null) };
        if (o.RefScores != null) modes.Add(("offline", o.RefScores, null));
        if (o.RefCheckpoint != null) modes.Add(("online", null, o.RefCheckpoint));
        // Only steps are timed: no evaluation, no step checkpoints, statistics at the config's log interval.
        var train = o.Config.Train with { EvalEvery = 0, CheckpointEvery = 0 };
        var timings = new List<StepTiming>();
        for (int repeat = 1; repeat <= o.Repeats; repeat++)
            foreach (var (name, scores, checkpoint) in modes)
            {
                onRun?.Invoke($"{name} (repeat {repeat} of {o.Repeats})");
                var config = o.Config with { Train = train, Selection = o.Config.Selection with { Ratio = name == "plain" ? 1.0 : o.Ratio } };
                var stamps = new List<double>();
                var clock = Stopwatch.StartNew();
                var options = new TrainOptions(config, o.DataDir, Path.Combine(o.WorkDir, $"{name}-{repeat}"), o.Device, Force: true, TensorBoard: false)
                {
                    StepLinesOnConsole = false,
                    AfterStep = _ => stamps.Add(clock.Elapsed.TotalMilliseconds),
                };
                new Trainer(options, setup => name == "plain" ? new ClmObjective() : SelectiveObjective.For(setup, checkpoint, scores)).Run();
                timings.Add(Summarise(name, repeat, stamps, warmup: train.Steps / 5));
            }
        return timings;
    }

    /// <summary>
    /// Step durations are the differences of consecutive AfterStep times, after <paramref name="warmup"/> steps and
    /// without the last step, whose interval also holds the run's final evaluation.
    /// </summary>
    public static StepTiming Summarise(string mode, int repeat, IReadOnlyList<double> stamps, int warmup)
    {
        var kept = stamps.Take(stamps.Count - 1).Skip(warmup).ToList();
        var steps = kept.Zip(kept.Skip(1), (a, b) => b - a).Order().ToList();
        if (steps.Count == 0) throw new ArgumentException($"no timed steps after {warmup} warm-up steps", nameof(stamps));
        return new StepTiming(mode, repeat, steps.Count, Median(steps), steps.Average());
    }

    /// <summary>Per mode, the median step time over repeats and the ratio to the plain run of the same repeat.</summary>
    public static IReadOnlyList<StepOverhead> Overheads(IReadOnlyList<StepTiming> timings)
    {
        var plain = timings.Where(t => t.Mode == "plain").ToDictionary(t => t.Repeat, t => t.MedianMs);
        return timings.GroupBy(t => t.Mode).Select(g =>
        {
            var ratios = g.Select(t => t.MedianMs / plain[t.Repeat]).Order().ToList();
            return new StepOverhead(g.Key, Median(g.Select(t => t.MedianMs).Order().ToList()), Median(ratios), ratios[0], ratios[^1]);
        }).ToList();
    }

    static double Median(IReadOnlyList<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

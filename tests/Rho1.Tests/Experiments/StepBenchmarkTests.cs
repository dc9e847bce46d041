// The in-process step benchmark: which intervals count as steps, ratios paired within a repeat, and real
// runs in the promised order.
using Rho1.Experiments;
using Rho1.Tests.Training;
using Rho1.Training;

namespace Rho1.Tests.Experiments;

[Collection("synthetic")]
public class StepBenchmarkTests(SyntheticData data)
{
    [Fact]
    public void Steps_exclude_warm_up_and_the_last_interval()
    {
        // Stamps after steps 1..6; warm-up 1 leaves steps 3..5 (the last interval, 45 -> 100, holds the final eval).
        var t = StepBenchmark.Summarise("plain", 1, [0, 10, 20, 35, 45, 100], warmup: 1);
        Assert.Equal(3, t.Steps);
        Assert.Equal(10, t.MedianMs);
        Assert.Equal(35 / 3.0, t.MeanMs, 9);
    }

    [Fact]
    public void Ratios_pair_each_run_with_the_plain_run_of_its_repeat()
    {
        StepTiming[] runs =
        [
            new("plain", 1, 100, 10, 10), new("offline", 1, 100, 11, 11),
            new("plain", 2, 100, 20, 20), new("offline", 2, 100, 30, 30),
        ];
        var offline = StepBenchmark.Overheads(runs).Single(o => o.Mode == "offline");
        Assert.Equal(20.5, offline.MedianMs, 9);
        Assert.Equal(1.3, offline.Ratio, 9); // median of 1.1 and 1.5, not 20.5 / 15
        Assert.Equal(1.1, offline.RatioMin, 9);
        Assert.Equal(1.5, offline.RatioMax, 9);
        Assert.Equal(1.0, StepBenchmark.Overheads(runs).Single(o => o.Mode == "plain").Ratio);
    }

    [Fact]
    public void Runs_alternate_modes_within_each_repeat_and_time_the_steps_after_warm_up()
    {
        string reference = data.NewRunDir();
        new Trainer(new TrainOptions(TrainerTests.Tiny("train.steps=2", "train.eval_every=0"), data.Clean, reference, "cpu", TensorBoard: false), _ => new ClmObjective()).Run();
        var runs = StepBenchmark.Run(new StepBenchmarkOptions(TrainerTests.Tiny("train.steps=10"), data.Noisy, data.NewRunDir(), null, reference, Repeats: 2, Device: "cpu"));
        Assert.Equal(["plain/1", "online/1", "plain/2", "online/2"], runs.Select(r => $"{r.Mode}/{r.Repeat}"));
        Assert.All(runs, r => Assert.Equal(6, r.Steps)); // 10 stamps, 2 warm-up, last interval dropped: 6 intervals
        Assert.All(runs, r => Assert.True(r.MedianMs > 0 && r.MeanMs > 0));
    }
}

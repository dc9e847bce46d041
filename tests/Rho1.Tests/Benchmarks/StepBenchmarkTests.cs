// The step benchmark: which intervals count and for which mode, ratios taken within a run, and real runs in
// the promised order.
using Rho1.Benchmarks;
using Rho1.Tests.Fixtures;
using Rho1.Training;
using Rho1.Training.Objectives;

namespace Rho1.Tests.Benchmarks;

[Collection("synthetic")]
public class StepBenchmarkTests(SyntheticData data)
{
    [Fact]
    public void Even_steps_are_plain_odd_steps_selective_after_warm_up_and_before_the_last()
    {
        // Ends of steps 0..7. Warm-up 2 leaves steps 2..6 (step 7's interval holds the final evaluation):
        // plain 2, 4, 6 took 10, 10, 12 ms; selective 3, 5 took 20, 30 ms.
        var t = StepBenchmark.Summarise("offline", 1, [5, 10, 20, 40, 50, 80, 92, 500], warmup: 2);
        Assert.Equal(2, t.Steps);
        Assert.Equal(25, t.MedianMs);
        Assert.Equal(25, t.MeanMs);
        Assert.Equal(10, t.PlainMedianMs);
        Assert.Equal(32 / 3.0, t.PlainMeanMs, 9);
    }

    [Fact]
    public void Ratios_divide_each_run_by_its_own_plain_steps()
    {
        StepTiming[] runs = [new("offline", 1, 100, 11, 11, 10, 10), new("offline", 2, 100, 30, 30, 20, 20), new("offline", 3, 100, 12, 12, 10, 10)];
        var o = StepBenchmark.Overheads(runs).Single();
        Assert.Equal(12, o.MedianMs, 9);
        Assert.Equal(10, o.PlainMedianMs, 9);
        Assert.Equal(1.2, o.Ratio, 9); // median of 1.1, 1.5, 1.2, not 12 / 10 by chance: see the range
        Assert.Equal(1.1, o.RatioMin, 9);
        Assert.Equal(1.5, o.RatioMax, 9);
    }

    [Fact]
    public void Runs_cover_each_mode_in_each_repeat_and_time_the_steps_after_warm_up()
    {
        string reference = data.NewRunDir();
        new Trainer(new TrainOptions(TinyRun.Config("train.steps=2", "train.eval_every=0"), data.Clean, reference, "cpu", TensorBoard: false), _ => new ClmObjective()).Run();
        var runs = StepBenchmark.Run(new StepBenchmarkOptions(TinyRun.Config("train.steps=20"), data.Noisy, data.NewRunDir(), null, reference, Repeats: 2, Device: "cpu"));
        Assert.Equal(["online/1", "online/2"], runs.Select(r => $"{r.Mode}/{r.Repeat}"));
        // 20 steps, warm-up 4: steps 4..18 timed; odd ones (5, 7, ..., 17) are selective.
        Assert.All(runs, r => Assert.Equal(7, r.Steps));
        Assert.All(runs, r => Assert.True(r.MedianMs > 0 && r.PlainMedianMs > 0));
    }

    [Fact]
    public void Without_a_reference_there_is_nothing_to_compare() =>
        Assert.Contains("--ref", Assert.Throws<UserErrorException>(() =>
            StepBenchmark.Run(new StepBenchmarkOptions(TinyRun.Config("train.steps=20"), data.Noisy, data.NewRunDir(), null, null))).Message);
}

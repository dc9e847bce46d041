// Exact learning-rate values at chosen steps, computed by hand from the schedule definitions.
using Rho1.Training;
using Rho1.Training.Configuration;

namespace Rho1.Tests.Training;

public class LrScheduleTests
{
    static readonly TrainConfig Cfg = new() { Lr = 1.0, MinLrRatio = 0.1, WarmupSteps = 10, Steps = 110 };

    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(4, 0.5)]
    [InlineData(9, 1.0)]
    [InlineData(10, 1.0)]
    [InlineData(109, 0.1)]
    public void Cosine_warmup_and_ends(int step, double expected) =>
        Assert.Equal(expected, LrSchedule.At(step, Cfg), 12);

    [Fact]
    public void Cosine_midpoint_is_halfway_between_max_and_min()
    {
        // progress = (step - 10) / 99 = 0.5 at step 59.5; check both sides straddle 0.55
        double mid = 0.1 + 0.5 * (1 + Math.Cos(Math.PI * (49.0 / 99))) * 0.9;
        Assert.Equal(mid, LrSchedule.At(59, Cfg), 12);
        Assert.True(LrSchedule.At(59, Cfg) > 0.55 && LrSchedule.At(60, Cfg) < 0.56);
    }

    [Fact]
    public void Wsd_is_flat_then_decays_linearly_to_the_minimum()
    {
        var c = Cfg with { Schedule = "wsd", DecayFraction = 0.2 }; // decay over the last 22 steps: 88..109
        Assert.Equal(1.0, LrSchedule.At(50, c), 12);
        Assert.Equal(1.0, LrSchedule.At(88, c), 12);
        Assert.Equal(1.0 - 0.9 * 10.0 / 21, LrSchedule.At(98, c), 12);
        Assert.Equal(0.1, LrSchedule.At(109, c), 12);
    }

    [Fact]
    public void Constant_stays_at_the_peak_after_warmup() =>
        Assert.Equal(1.0, LrSchedule.At(100, Cfg with { Schedule = "constant" }), 12);
}

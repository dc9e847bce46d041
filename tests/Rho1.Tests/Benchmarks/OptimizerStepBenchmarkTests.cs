// bench-optimizer's parameter sets: the same values however many tensors they are cut into, each with a gradient of its
// shape, and a split that does not divide refused; a run reports one timing per count over the same values.
using Rho1.Benchmarks;
using TorchSharp;

namespace Rho1.Tests.Benchmarks;

public class OptimizerStepBenchmarkTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public void Every_split_holds_the_same_values_with_gradients(int tensors)
    {
        var named = OptimizerStepBenchmark.Parameters(64_000, tensors, torch.CPU);
        Assert.Equal(tensors, named.Count);
        Assert.Equal(64_000, named.Sum(p => p.Param.numel()));
        Assert.All(named, p => Assert.Equal(p.Param.shape, p.Param.grad!.shape));
        Assert.All(named, p => Assert.Equal(OptimizerStepBenchmark.Columns, p.Param.shape[1]));
        Assert.Contains("does not split", Assert.Throws<UserErrorException>(() => OptimizerStepBenchmark.Parameters(64_000, 7, torch.CPU)).Message);
    }

    [Fact]
    public void A_run_times_each_count_over_the_same_values()
    {
        var rows = OptimizerStepBenchmark.Run(64_000, [100, 10], repeats: 3, "cpu");
        Assert.Equal([100, 10], rows.Select(r => r.Tensors));
        Assert.All(rows, r => Assert.Equal(64_000, r.Values));
        Assert.All(rows, r => Assert.True(r.MedianMicroseconds > 0));
        Assert.All(rows, r => Assert.InRange(r.StepMedianMicroseconds, 0, r.MedianMicroseconds * 1.5)); // a part of the whole (medians of each)
    }
}

// plan's largest micro-batch and sequence: the search against closed forms, and its answers against MemoryPlan itself
// (the rows found fit, one more does not; checkpointing never lowers them).
using Rho1.Model;
using Rho1.Training;
using Rho1.Training.Configuration;

namespace Rho1.Tests.Training;

public class PlanCapacityTests
{
    [Theory]
    [InlineData(100, 37, 37)]
    [InlineData(20, 37, 20)]  // everything up to the cap fits
    [InlineData(100, 0, 0)]   // not even one
    [InlineData(1, 5, 1)]
    [InlineData(64, 64, 64)]
    public void The_search_finds_the_last_n_that_fits(int max, int lastFitting, int expected) =>
        Assert.Equal(expected, PlanCapacities.Largest(max, n => n <= lastFitting));

    [Fact]
    public void The_rows_found_fit_and_one_more_does_not()
    {
        var config = new RunConfig
        {
            Model = new ModelConfig { VocabSize = 32_000, ContextLength = 4096, Dim = 2048, Layers = 22, Heads = 32, KvHeads = 4, FfnDim = 5632 },
            Train = new TrainConfig { BatchSize = 16, SeqLen = 2048, Precision = "bf16", Zero = 1 },
        };
        const int world = 4;
        double usable = 0.9 * 24e9;
        var capacity = PlanCapacities.Largest(config, world, "cuda", usable);
        double Total(int rows, int seqLen, bool checkpointing) => MemoryPlan.Compute(config with
            { Train = config.Train with { BatchSize = rows * world, SeqLen = seqLen, ActivationCheckpointing = checkpointing } }, world, "cuda").Total;
        Assert.InRange(capacity.Rows, 1, 1000);
        Assert.True(Total(capacity.Rows, 2048, false) <= usable && Total(capacity.Rows + 1, 2048, false) > usable);
        Assert.True(Total(capacity.RowsCheckpointed, 2048, true) <= usable && Total(capacity.RowsCheckpointed + 1, 2048, true) > usable);
        Assert.True(capacity.RowsCheckpointed >= capacity.Rows);
        Assert.True(capacity.SeqLen == 4096 || Total(1, capacity.SeqLen + 1, false) > usable);
        Assert.True(capacity.SeqLenCheckpointed >= capacity.SeqLen);
    }
}

// The automatic loss chunk on CUDA against the plan it is read from: whole logits where the plan with them fits the
// device (10% kept free), else the largest power-of-two chunk that fits, never below the CPU's default; a configured
// value or a small vocabulary is left alone.
using Rho1.Model;
using Rho1.Training;
using Rho1.Training.Configuration;

namespace Rho1.Tests.Training;

public class LossChunkChoiceTests
{
    // gpt2-124m's shape with GPT-2's vocabulary, 16 × 1024 in bf16: the H200 run of docs/performance.md
    static readonly RunConfig Gpt2 = new()
    {
        Model = new ModelConfig { VocabSize = 50257, ContextLength = 1024, Dim = 768, Layers = 12, Heads = 12, FfnDim = 3072 },
        Train = new TrainConfig { BatchSize = 16, SeqLen = 1024, Precision = "bf16" },
    };

    static double Plan(RunConfig config, long chunk) =>
        MemoryPlan.Compute(config with { Train = config.Train with { LossChunkTokens = (int)chunk } }, 1, "cuda").Total;

    [Fact]
    public void Whole_logits_where_the_plan_fits_the_device_with_them()
    {
        Assert.Equal(0, LossChunkChoice.ForCuda(Gpt2, 1, 80e9));
        double whole = Plan(Gpt2, 0);
        Assert.Equal(0, LossChunkChoice.ForCuda(Gpt2, 1, whole / (1 - LossChunkChoice.KeptFree) + 1)); // just fits
        Assert.NotEqual(0, LossChunkChoice.ForCuda(Gpt2, 1, whole / (1 - LossChunkChoice.KeptFree) - 1e6)); // just does not
    }

    [Fact]
    public void Otherwise_the_largest_power_of_two_chunk_that_fits()
    {
        double device = Plan(Gpt2, 2048) / (1 - LossChunkChoice.KeptFree) + 1; // 2,048 positions fit, 4,096 do not
        Assert.True(Plan(Gpt2, 4096) > (1 - LossChunkChoice.KeptFree) * device);
        Assert.Equal(2048, LossChunkChoice.ForCuda(Gpt2, 1, device));
        Assert.Equal(ChunkedTokenLoss.DefaultChunk, LossChunkChoice.ForCuda(Gpt2, 1, 1e9)); // nothing fits: the default, as before
    }

    [Theory]
    [InlineData(0, 50257, 0)]
    [InlineData(384, 50257, 384)]
    [InlineData(-1, 257, 0)] // bytes: whole logits without asking
    public void A_configured_chunk_or_a_small_vocabulary_is_left_alone(int configured, int vocabulary, long expected)
    {
        var config = Gpt2 with { Model = Gpt2.Model with { VocabSize = vocabulary }, Train = Gpt2.Train with { LossChunkTokens = configured } };
        Assert.Equal(expected, LossChunkChoice.ForCuda(config, 1, 1e9));
    }

    [Fact]
    public void Ranks_split_the_batch_so_each_plans_its_own_rows()
    {
        var whole = Gpt2 with { Train = Gpt2.Train with { LossChunkTokens = 0 } };
        double device = MemoryPlan.Compute(whole, 2, "cuda").Total / (1 - LossChunkChoice.KeptFree) + 1; // 8 rows per rank, whole, fit
        Assert.NotEqual(0, LossChunkChoice.ForCuda(Gpt2, 1, device)); // 16 rows on one rank do not
        Assert.Equal(0, LossChunkChoice.ForCuda(Gpt2, 2, device));    // 8 per rank on two do
    }
}

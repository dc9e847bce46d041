// The memory plan's arithmetic: parameter counts equal the model's own for every family switch, the optimizer state is
// divided by the world size under ZeRO-1 and nothing else is, ZeRO-2 in bf16 holds 4 + 16/N bytes per parameter (and in
// fp32 is ZeRO-1), and checkpointing and loss chunks shrink what they should; the logits terms are their closed forms,
// whole and chunked, fp32 and bf16; Mistral-7B's continual pretraining fits 8 × 80 GB with ZeRO-2 (issue 36: <= 70 GB).
using Rho1.Model;
using Rho1.Training;
using Rho1.Training.Configuration;

namespace Rho1.Tests.Training;

public class MemoryPlanTests
{
    public static TheoryData<string> Shapes => ["tied", "untied", "gqa", "qwen2", "qwen3"];

    static ModelConfig Shape(string name) => name switch
    {
        "tied" => new() { VocabSize = 300, ContextLength = 32, Dim = 32, Layers = 2, Heads = 4, FfnDim = 64 },
        "untied" => new() { VocabSize = 300, ContextLength = 32, Dim = 32, Layers = 3, Heads = 4, FfnDim = 64, TiedEmbeddings = false },
        "gqa" => new() { VocabSize = 100, ContextLength = 32, Dim = 48, Layers = 2, Heads = 6, KvHeads = 2, FfnDim = 96 },
        "qwen2" => new() { VocabSize = 100, ContextLength = 32, Dim = 32, Layers = 2, Heads = 4, KvHeads = 2, FfnDim = 64, QkvBias = true },
        _ => new() { VocabSize = 100, ContextLength = 32, Dim = 32, Layers = 2, Heads = 8, KvHeads = 2, FfnDim = 64, ExplicitHeadDim = 8, QkNorm = true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Parameter_counts_equal_the_models_own(string shape)
    {
        var config = Shape(shape);
        using var model = new Transformer(config, seed: 1);
        Assert.Equal(model.ParameterCount, MemoryPlan.Parameters(config));
    }

    [Fact]
    public void Zero_divides_only_the_optimizer_state_and_checkpointing_and_chunks_shrink_their_parts()
    {
        var config = new RunConfig { Model = Shape("untied"), Train = new TrainConfig { BatchSize = 8, SeqLen = 32, Precision = "fp32", LossChunkTokens = 0 } };
        var plain = MemoryPlan.Compute(config, world: 4);
        var zero = MemoryPlan.Compute(config with { Train = config.Train with { Zero = 1 } }, world: 4);
        double Part(MemoryPlanResult r, string name) => r.Items.Where(i => i.Component.StartsWith(name, StringComparison.Ordinal)).Sum(i => i.Bytes);
        long p = plain.Parameters;
        Assert.Equal(16.0 * p, Part(plain, "weights") + Part(plain, "gradients") + Part(plain, "AdamW"));
        Assert.Equal(8.0 * ((p + 3) / 4), Part(zero, "AdamW"));
        Assert.Equal(4.0 * ((p + 3) / 4), Part(zero, "gradient shard"));
        Assert.Equal(Part(plain, "weights") + Part(plain, "gradients"), Part(zero, "weights") + Part(zero, "gradients"));
        Assert.Equal(2L * 32, plain.MicroTokens); // 8 rows over 4 ranks, 32 tokens each
        var checkpointed = MemoryPlan.Compute(config with { Train = config.Train with { ActivationCheckpointing = true } }, world: 4);
        Assert.True(Part(checkpointed, "activations") < Part(plain, "activations"));
        var chunked = MemoryPlan.Compute(config with { Train = config.Train with { LossChunkTokens = 16 } }, world: 4);
        Assert.Equal(64.0 * 300 * (4 + 4 + 4), Part(plain, "logits"));            // fp32 logits, log-softmax and their gradient at 64 positions
        Assert.Equal(16.0 * 300 * 4, Part(chunked, "logits"));                    // one chunk's fp32 logits: 16 of 64 positions at a time
        Assert.Equal(300.0 * 32 * 4, Part(chunked, "output layer gradient"));     // the (V, C) fp32 sum of the chunks' products
        Assert.Equal(0, Part(plain, "output layer gradient"));
        var chunkedBf16 = MemoryPlan.Compute(config with { Train = config.Train with { LossChunkTokens = 16, Precision = "bf16" } }, world: 4);
        Assert.Equal(16.0 * 300 * (2 + 4), Part(chunkedBf16, "logits"));          // bf16 logits and their fp32 copy
        Assert.Equal(300.0 * 32 * (4 + 2) + (8 << 20), Part(chunkedBf16, "output layer gradient")); // fp32 sum, bf16 product, staging
        Assert.Equal(0, Part(plain, "tied embedding"));                           // "untied": the lookup's gradient is the embedding's own
        var tied = MemoryPlan.Compute(config with { Model = Shape("tied") }, world: 4);
        Assert.Equal(4.0 * 300 * 32, Part(tied, "tied embedding"));                 // a second dense (V, C) fp32 gradient
        Assert.Contains("--world 3", Assert.Throws<UserErrorException>(() => MemoryPlan.Compute(config, world: 3)).Message);
    }

    [Fact]
    public void Zero_2_keeps_bf16_weights_and_gradients_and_a_shard_of_fp32_state()
    {
        var config = new RunConfig { Model = Shape("untied"), Train = new TrainConfig { BatchSize = 8, SeqLen = 32, Precision = "bf16", Zero = 2 } };
        var two = MemoryPlan.Compute(config, world: 4);
        double Part(MemoryPlanResult r, string name) => r.Items.Where(i => i.Component == name).Sum(i => i.Bytes);
        long p = two.Parameters, shard = (p + 3) / 4;
        Assert.Equal(2.0 * p, Part(two, "weights (bf16)"));
        Assert.Equal(2.0 * p, Part(two, "gradients (bf16)"));
        Assert.Equal(4.0 * shard, Part(two, "master weights shard (fp32)"));
        Assert.Equal(8.0 * shard, Part(two, "AdamW moments (fp32)"));
        Assert.Equal(4.0 * shard, Part(two, "gradient shard (fp32)"));
        Assert.Equal(0, Part(two, "bf16 weight copies") + Part(two, "weights (fp32)") + Part(two, "gradients (fp32)"));
        Assert.Equal(4.0 + 16.0 * shard / p, two.BytesPerParameter, 9);
        // In fp32 the working weights are the masters: the plan of ZeRO-1.
        var fp32 = config with { Train = config.Train with { Precision = "fp32" } };
        Assert.Equal(MemoryPlan.Compute(fp32 with { Train = fp32.Train with { Zero = 1 } }, world: 4).Items, MemoryPlan.Compute(fp32, world: 4).Items);
    }

    [Fact]
    public void Mistral_7b_continual_pretraining_fits_8_ranks_of_80_GB_with_zero_2_and_checkpointing()
    {
        var mistral = new RunConfig
        {
            Model = new ModelConfig { VocabSize = 32000, ContextLength = 4096, Dim = 4096, Layers = 32, Heads = 32, KvHeads = 8, FfnDim = 14336, TiedEmbeddings = false },
            Train = new TrainConfig { BatchSize = 8, SeqLen = 4096, Precision = "bf16", LossChunkTokens = 1024, ActivationCheckpointing = true, Zero = 2 },
        };
        var plan = MemoryPlan.Compute(mistral, world: 8, device: "cuda");
        Assert.InRange(plan.Total / 1e9, 40, 70);
        Assert.True(MemoryPlan.Compute(mistral with { Train = mistral.Train with { Zero = 1 } }, world: 8, device: "cuda").Total / 1e9 > 80); // ZeRO-1 does not fit
    }
}

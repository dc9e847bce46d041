// The memory plan's arithmetic: parameter counts equal the model's own for every family switch, the optimizer state is
// divided by the world size under ZeRO-1 and nothing else is, and checkpointing and loss chunks shrink what they should;
// the logits terms are their closed forms, whole and chunked, fp32 and bf16.
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
}

// Cached decoding (prompt once, then one position per step from the key/value cache) against the uncached loop that
// reruns the whole sequence: the same tokens for every family's shape (grouped-query heads with a sliding window,
// Qwen2's biases, Qwen3's q/k norms and head size, Llama 3.1's rope scaling, an untied head), for a batch mixing prompt
// lengths, up to the model's context; and the same logits to fp32 rounding at each step.
using Rho1.Data.Tokenizers;
using Rho1.Evaluation.Tasks;
using Rho1.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Evaluation.Tasks;

public class CachedGenerationTests
{
    public static TheoryData<string> Shapes => ["llama", "mistral", "qwen2", "qwen3", "llama31", "untied"];

    static ModelConfig Shape(string name) => name switch
    {
        "mistral" => new() { VocabSize = 257, ContextLength = 64, Dim = 48, Layers = 2, Heads = 6, KvHeads = 2, FfnDim = 96, SlidingWindow = 40 },
        "qwen2" => new() { VocabSize = 257, ContextLength = 64, Dim = 32, Layers = 2, Heads = 4, KvHeads = 2, FfnDim = 64, QkvBias = true },
        "qwen3" => new() { VocabSize = 257, ContextLength = 64, Dim = 32, Layers = 2, Heads = 8, KvHeads = 2, FfnDim = 64, ExplicitHeadDim = 8, QkNorm = true },
        "llama31" => new()
        {
            VocabSize = 257, ContextLength = 64, Dim = 32, Layers = 2, Heads = 4, KvHeads = 2, FfnDim = 64, RopeTheta = 500000,
            RopeScaling = new RopeScaling { Type = "llama3", Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalContext = 16 },
        },
        "untied" => new() { VocabSize = 257, ContextLength = 64, Dim = 32, Layers = 3, Heads = 4, FfnDim = 64, TiedEmbeddings = false },
        _ => new() { VocabSize = 257, ContextLength = 64, Dim = 32, Layers = 2, Heads = 4, FfnDim = 64 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Cached_greedy_generation_gives_the_uncached_tokens(string shape)
    {
        using var model = new Transformer(Shape(shape), seed: 5);
        var bytes = TokenizerFactory.Create("bytes");
        string[] prompts = ["Once upon a time there was", "Hi", "The quick brown fox jumps", "1, 2, 3,", "x"];
        long tokens = 0;
        var cached = GreedyGenerator.Generate(model, bytes, prompts, 24, [], batchSize: 5, CPU, onTokens: n => tokens += n);
        Assert.InRange(tokens, cached.Max(t => t.Length) > 0 ? 1 : 0, 5 * 24); // what was generated, at most the limit per row
        var uncached = GreedyGenerator.Generate(model, bytes, prompts, 24, [], batchSize: 5, CPU, cached: false);
        Assert.Equal(uncached, cached);
        Assert.Contains(cached, text => text.Length >= 10); // it did generate (a random model rarely stops at once)
        // A prompt that leaves 3 positions before the context: both stop there.
        string longPrompt = new('a', GreedyGenerator.Limit(0, 40) + 5);
        Assert.Equal(GreedyGenerator.Generate(model, bytes, [longPrompt, "b"], 30, [], 2, CPU, cached: false),
            GreedyGenerator.Generate(model, bytes, [longPrompt, "b"], 30, [], 2, CPU));
    }

    [Fact]
    public void Each_cached_step_has_the_logits_of_the_whole_sequence_to_rounding()
    {
        using var model = new Transformer(Shape("mistral"), seed: 9);
        using var noGrad = torch.no_grad();
        long[][] rows = [[3, 17, 250, 9, 42, 7], [11, 5]];
        using var cache = new KvCache(model.Config, 2, 20, ScalarType.Float32, CPU);
        var padded = torch.tensor(new long[] { 3, 17, 250, 9, 42, 7, 11, 5, 0, 0, 0, 0 }, [2, 6]);
        var logits = model.Prefill(padded, cache, torch.tensor(new long[] { 5, 1 }));
        var positions = new long[] { 6, 2 };
        var seqs = rows.Select(r => r.ToList()).ToList();
        for (int step = 0; step < 6; step++)
        {
            for (int b = 0; b < 2; b++)
            {
                var whole = model.forward(torch.tensor(seqs[b].ToArray(), [1, seqs[b].Count]))[0, -1];
                Assert.True((whole - logits[b]).abs().max().item<float>() < 1e-4f, $"step {step}, row {b}");
            }
            var next = new long[] { (step * 37 + 1) % 257, (step * 53 + 2) % 257 }; // any tokens: the cache must follow
            for (int b = 0; b < 2; b++) seqs[b].Add(next[b]);
            logits = model.DecodeStep(torch.tensor(next), cache, torch.tensor(positions));
            positions[0]++;
            positions[1]++;
        }
    }
}

// Batched greedy decoding equals step-by-step argmax of the forward pass on each prompt alone, and stops where asked.
using Rho1.Data.Tokenizers;
using Rho1.Evaluation.Tasks;
using Rho1.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Evaluation.Tasks;

public class GreedyGeneratorTests
{
    static readonly ModelConfig Config = new() { VocabSize = 257, ContextLength = 48, Dim = 32, Layers = 2, Heads = 4, FfnDim = 64 };

    static string StepByStep(Transformer model, ITextTokenizer tokenizer, string prompt, int steps)
    {
        using var noGrad = torch.no_grad();
        var ids = tokenizer.Encode(prompt).Select(i => (long)i).ToList(); // nothing prepended: the harness's start
        var generated = new List<int>();
        for (int s = 0; s < steps; s++)
        {
            long next = model.forward(torch.tensor(ids.ToArray(), [1, ids.Count]))[0, -1].argmax().item<long>();
            if (next == tokenizer.EosId) break;
            ids.Add(next);
            generated.Add((int)next);
        }
        return tokenizer.Decode(generated.ToArray());
    }

    [Fact]
    public void Batched_greedy_equals_step_by_step_argmax()
    {
        using var model = new Transformer(Config, seed: 11);
        var bytes = TokenizerFactory.Create("bytes");
        string[] prompts = ["Once", "The quick brown fox", "a", "Numbers: 1, 2, 3,"];
        var batched = GreedyGenerator.Generate(model, bytes, prompts, 12, [], batchSize: 4, CPU);
        var single = GreedyGenerator.Generate(model, bytes, prompts, 12, [], batchSize: 1, CPU);
        for (int i = 0; i < prompts.Length; i++)
        {
            string expected = StepByStep(model, bytes, prompts[i], 12);
            Assert.Equal(expected, batched[i]);
            Assert.Equal(expected, single[i]);
        }
    }

    [Fact]
    public void Generation_stops_at_the_first_stop_string()
    {
        using var model = new Transformer(Config, seed: 11);
        var bytes = TokenizerFactory.Create("bytes");
        string full = GreedyGenerator.Generate(model, bytes, ["The quick brown fox"], 20, [], 1, CPU)[0];
        Assert.True(full.Length >= 4, $"'{full}'");
        string stop = full.Substring(2, 2);
        string cut = GreedyGenerator.Generate(model, bytes, ["The quick brown fox"], 20, [stop], 1, CPU)[0];
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], cut);
        Assert.Equal("ab", GreedyGenerator.Cut("abXcdYe", ["Y", "X"]));
    }

    [Fact]
    public void A_token_limit_leaving_no_room_for_a_prompt_is_refused()
    {
        Assert.Contains("leaves no room", Assert.Throws<UserErrorException>(() => GreedyGenerator.Limit(48, 48)).Message);
        Assert.Equal(24, GreedyGenerator.Limit(0, 48));
        Assert.Equal(256, GreedyGenerator.Limit(0, 4096));
    }

    [Fact]
    public void A_generation_batch_holds_no_more_rows_than_their_cache_fits_in_4_GiB()
    {
        // Llama 3 8B: 32 layers, 8 key/value heads of 128; 2,048 prompt + 256 new positions.
        var llama3 = new ModelConfig { VocabSize = 128256, ContextLength = 8192, Dim = 4096, Layers = 32, Heads = 32, KvHeads = 8, FfnDim = 14336 };
        long perRowFp32 = 32L * 2 * 8 * 2304 * 128 * 4; // 603,979,776 bytes
        Assert.Equal((int)((4L << 30) / perRowFp32), GreedyGenerator.RowsFitting(llama3, 2304, ScalarType.Float32));
        Assert.Equal(7, GreedyGenerator.RowsFitting(llama3, 2304, ScalarType.Float32));
        Assert.Equal(14, GreedyGenerator.RowsFitting(llama3, 2304, ScalarType.BFloat16));
        Assert.Equal(1, GreedyGenerator.RowsFitting(llama3 with { Layers = 4000 }, 8192, ScalarType.Float32)); // never zero rows
    }
}

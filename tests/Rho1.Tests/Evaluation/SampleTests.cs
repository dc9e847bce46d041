// Sampling is seeded, continues the prompt, respects the token budget, and greedy decoding is deterministic.
using Rho1.Evaluation;
using Rho1.Tests.Fixtures;

namespace Rho1.Tests.Evaluation;

[Collection("synthetic")]
public class SampleTests(SyntheticData data)
{
    [Fact]
    public void Sampling_is_seeded_and_continues_the_prompt()
    {
        string run = TinyRun.TrainPlain(data, data.Clean, 40);
        string a = TextGenerator.Generate(new SampleOptions(run, "The ", 30, 0.8, 20, Seed: 5, Device: "cpu"));
        string b = TextGenerator.Generate(new SampleOptions(run, "The ", 30, 0.8, 20, Seed: 5, Device: "cpu"));
        string greedy1 = TextGenerator.Generate(new SampleOptions(run, "The ", 30, 0, 0, Seed: 1, Device: "cpu"));
        string greedy2 = TextGenerator.Generate(new SampleOptions(run, "The ", 30, 0, 0, Seed: 2, Device: "cpu"));
        Assert.Equal(a, b);
        Assert.Equal(greedy1, greedy2); // greedy ignores the seed
        Assert.StartsWith("The ", a);
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(a) - 4, 1, 30); // bytes tokenizer: one byte per token
        Assert.Equal("The ", TextGenerator.Generate(new SampleOptions(run, "The ", 0, 0.8, 20, Seed: 5, Device: "cpu")));
    }
}

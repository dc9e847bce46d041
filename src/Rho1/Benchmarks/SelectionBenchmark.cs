// Times the selection step alone (scores in, mask and masked loss out) for each --select mode, as
// microseconds per million tokens: the cost SLM adds to a training step on top of the forward/backward.
using System.Diagnostics;
using Rho1.Platform;
using Rho1.Selection;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Benchmarks;

public sealed record SelectionTiming(string Mode, long Tokens, double MedianMicroseconds, double MicrosecondsPerMillionTokens);

public static class SelectionBenchmark
{
    /// <summary>Median over <paramref name="repeats"/> timed runs after two warm-ups, for a (B, T) batch.</summary>
    public static IReadOnlyList<SelectionTiming> Run(int batchSize, int seqLen, int repeats, string device)
    {
        var dev = DeviceSpec.Resolve(device);
        var generator = new Generator(7);
        using var eight = 8.ToScalar(); // held for the calls (HeldScalars.cs)
        var losses = torch.rand(new long[] { batchSize, seqLen }, generator: generator).to(dev).mul_(eight);
        var reference = torch.rand(new long[] { batchSize, seqLen }, generator: generator).to(dev).mul_(eight);
        var threshold = torch.tensor(0.5f).to(dev);
        var modes = new (string Name, Func<Tensor> Step)[]
        {
            ("batch", () => TokenSelector.MaskedMean(losses, TokenSelector.TopOfBatch(TokenScores.Compute(ScoreMode.Excess, losses, reference, null), 0.6))),
            ("sequence", () => TokenSelector.MaskedMean(losses, TokenSelector.TopOfEachSequence(TokenScores.Compute(ScoreMode.Excess, losses, reference, null), 0.6))),
            ("global", () =>
            {
                var scores = TokenScores.Compute(ScoreMode.Excess, losses, reference, null);
                var mask = TokenSelector.AboveThreshold(scores, threshold);
                threshold = RunningThreshold.Next(threshold, TokenSelector.Cutoff(scores, 0.6), 0.9).DetachFromDisposeScope();
                return TokenSelector.MaskedMean(losses, mask);
            }),
        };
        var result = new List<SelectionTiming>();
        long tokens = (long)batchSize * seqLen;
        foreach (var (name, step) in modes)
        {
            var times = new List<double>();
            for (int i = 0; i < repeats + 2; i++)
            {
                using var scope = torch.NewDisposeScope();
                var watch = Stopwatch.StartNew();
                step().item<float>(); // the read waits for the device, as a logged step would
                if (i >= 2) times.Add(watch.Elapsed.TotalMicroseconds);
            }
            times.Sort();
            double median = times[times.Count / 2];
            result.Add(new SelectionTiming(name, tokens, median, median / tokens * 1e6));
        }
        return result;
    }
}

// Mean next-token loss of a model over the first windows of a split, in order (no sampling), so every
// evaluation of every run sees the same tokens. Bits per byte use the split's tokens-per-byte ratio. The
// ranks of a job share the batches (EvalShares) and get one process's figures bit for bit.
using Rho1.Data.Batches;
using Rho1.Data.Reading;
using Rho1.Model;
using static TorchSharp.torch;

namespace Rho1.Evaluation;

public static class Evaluator
{
    /// <summary>Evaluates on up to <paramref name="maxBatches"/> batches of B windows of T+1 tokens; 0 = the whole split.</summary>
    /// <param name="onProgress">Called after each batch with (windows done, windows in all); null: none.</param>
    /// <param name="shares">The job's ranks, each running its share of the batches; null: this process runs them all.</param>
    public static EvalResult Evaluate(Transformer model, TokenSplit split, double bytesPerToken, int batchSize, int seqLen, int maxBatches, Device device,
        Action<long, long>? onProgress = null, EvalShares? shares = null)
    {
        shares ??= EvalShares.Single;
        long windows = SequentialWindows.Count(split, seqLen);
        if (windows < 1)
            throw new UserErrorException($"split '{split.Name}' has {split.Length} tokens, fewer than one window of {seqLen + 1}");
        long batches = (windows + batchSize - 1) / batchSize;
        if (maxBatches > 0) batches = Math.Min(batches, maxBatches);
        bool wasTraining = model.training;
        model.eval();
        var sums = new double[batches]; // per batch, in order: the same additions as one process whichever rank ran a batch
        long count = 0, done = 0;
        try
        {
            long total = Math.Min(windows, batches * batchSize);
            for (int b = 0; b < batches; b++)
            {
                long first = (long)b * batchSize, rows = Math.Min(batchSize, total - first);
                count += rows * (long)seqLen;
                if (!shares.Mine(b)) continue;
                Platform.FaultInjection.At("eval");
                WindowLosses.ForEach(model, split, seqLen, first, rows, batchSize, device, (_, n, losses) => sums[b] += losses.to(ScalarType.Float64).sum().item<double>());
                done += rows;
                onProgress?.Invoke(done, (total + shares.Size - 1) / shares.Size);
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        shares.Combine(sums);
        double sum = 0;
        foreach (double s in sums) sum += s;
        double loss = sum / count;
        return new EvalResult(loss, Math.Exp(loss), loss / Math.Log(2) / bytesPerToken, count);
    }
}

// Mean next-token loss of a model over the first windows of a split, in order (no sampling), so every
// evaluation of every run sees the same tokens. Bits per byte use the split's tokens-per-byte ratio.
using Rho1.Data.Batches;
using Rho1.Data.Reading;
using Rho1.Model;
using static TorchSharp.torch;

namespace Rho1.Evaluation;

public static class Evaluator
{
    /// <summary>Evaluates on up to <paramref name="maxBatches"/> batches of B windows of T+1 tokens; 0 = the whole split.</summary>
    /// <param name="onProgress">Called after each batch with (windows done, windows in all); null: none.</param>
    public static EvalResult Evaluate(Transformer model, TokenSplit split, double bytesPerToken, int batchSize, int seqLen, int maxBatches, Device device,
        Action<long, long>? onProgress = null)
    {
        long windows = SequentialWindows.Count(split, seqLen);
        if (windows < 1)
            throw new UserErrorException($"split '{split.Name}' has {split.Length} tokens, fewer than one window of {seqLen + 1}");
        long batches = (windows + batchSize - 1) / batchSize;
        if (maxBatches > 0) batches = Math.Min(batches, maxBatches);
        bool wasTraining = model.training;
        model.eval();
        double sum = 0;
        long count = 0;
        try
        {
            long total = Math.Min(windows, batches * batchSize);
            WindowLosses.ForEach(model, split, seqLen, 0, total, batchSize, device, (first, rows, losses) =>
            {
                sum += losses.to(ScalarType.Float64).sum().item<double>();
                count += rows * (long)seqLen;
                onProgress?.Invoke(first + rows, total);
            });
        }
        finally
        {
            model.train(wasTraining);
        }
        double loss = sum / count;
        return new EvalResult(loss, Math.Exp(loss), loss / Math.Log(2) / bytesPerToken, count);
    }
}

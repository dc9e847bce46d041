// The windowed forward pass: per-token losses of a model over consecutive windows of a split (the grid of
// Data/Batches/SequentialWindows), a batch at a time, without gradients. Evaluation, offline scoring and the
// token-dynamics analysis all read losses this way, so their per-token values line up with training's.
using Rho1.Data.Batches;
using Rho1.Data.Reading;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Model;

public static class WindowLosses
{
    /// <summary>
    /// Calls <paramref name="onBatch"/>(first window, rows, losses (rows, T) fp32 on the device) for windows
    /// <paramref name="first"/> .. first+count−1 in batches of at most <paramref name="batchSize"/>. The losses
    /// tensor lives only for the call.
    /// </summary>
    public static void ForEach(Transformer model, TokenSplit split, int seqLen, long first, long count, int batchSize, Device device,
        Action<long, int, Tensor> onBatch, CancellationToken cancel = default)
    {
        using var noGrad = torch.no_grad();
        long end = first + count;
        for (long done = first; done < end;)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            int rows = (int)Math.Min(batchSize, end - done);
            var all = SequentialWindows.Read(split, done, rows, seqLen, device);                     // (B, T+1)
            var losses = model.TokenLosses(all.narrow(1, 0, seqLen), all.narrow(1, 1, seqLen));    // (B, T)
            onBatch(done, rows, losses);
            done += rows;
        }
    }
}

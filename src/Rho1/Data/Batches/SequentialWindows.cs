// Consecutive windows of a split, in order: window k is tokens [k·T, k·T + T]. Evaluation, offline scoring and
// analysis read these, the same grid the training sampler draws from, so their per-token losses line up.
using Rho1.Data.Reading;
using Rho1.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Data.Batches;

public static class SequentialWindows
{
    /// <summary>Whole windows of T+1 tokens in the split: ⌊(length − 1) / T⌋.</summary>
    public static long Count(TokenSplit split, int seqLen) => (split.Length - 1) / seqLen;

    /// <summary>Windows <paramref name="first"/> .. first+rows−1 as an int64 tensor (rows, T+1) on <paramref name="device"/>.</summary>
    public static Tensor Read(TokenSplit split, long first, int rows, int seqLen, Device device)
    {
        var buffer = new long[rows * (seqLen + 1)];
        for (int r = 0; r < rows; r++)
            split.Read((first + r) * seqLen, buffer.AsSpan(r * (seqLen + 1), seqLen + 1));
        return HostTransfer.ToDevice(torch.tensor(buffer, new long[] { rows, seqLen + 1 }), device);
    }
}

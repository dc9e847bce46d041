// Data-parallel gradient averaging over the flat gradient buffer (FlatStore): buckets are consecutive views of it of at
// most a given size, each all-reduced in place as one message (a few large messages instead of one per tensor) and
// divided by the world size, so no message, and no buffer of the MPI library's for it, is larger than a bucket. ZeRO-1
// cuts the same buffer into its own buckets (Optimization/ShardLayout.cs).
// Runs after backward: TorchSharp 0.107 exposes no per-parameter gradient hooks, so communication cannot overlap
// with backward yet.
using TorchSharp;
using System.Diagnostics;
using static TorchSharp.torch;

namespace Rho1.Distributed;

public static class GradientBuckets
{
    /// <summary>25 MB of fp32, as PyTorch's DDP buckets by default.</summary>
    public const long DefaultElements = 25L * 1024 * 1024 / 4;

    /// <summary>
    /// Replaces the gradients in <paramref name="flat"/> (the one contiguous buffer every gradient is a view of: FlatStore)
    /// with their mean over ranks, a bucket of at most <paramref name="maxElements"/> values at a time, each reduced where it
    /// lies (no packing or unpacking copy); returns the seconds spent. With <paramref name="wire"/> BFloat16 the values
    /// travel as bfloat16 (half the bytes): NCCL sums them in bfloat16; over MPI, which has no bfloat16 sum, each rank's
    /// bfloat16 values are gathered and summed in fp32 in rank order, a bucket's 1/N at a time (memory independent of N).
    /// </summary>
    public static double AllReduceMean(ICollectives world, Tensor flat, ScalarType wire = ScalarType.Float32, long maxElements = DefaultElements)
    {
        if (world is SingleProcess) return 0;
        if (!flat.is_contiguous() || flat.dim() != 1) throw new InvalidOperationException("the gradient buffer must be flat and contiguous");
        if (maxElements < 1) throw new ArgumentOutOfRangeException(nameof(maxElements), "a bucket holds at least one value");
        var watch = Stopwatch.StartNew();
        using Scalar size = world.Size.ToScalar(); // held for the calls (HeldScalars.cs)
        for (long start = 0; start < flat.numel(); start += maxElements)
        {
            using var scope = NewDisposeScope(); // one bucket's buffers at a time
            var values = flat.narrow(0, start, Math.Min(maxElements, flat.numel() - start));
            if (wire == ScalarType.Float32)
                world.AllReduceSum(values);
            else
                SumAs(world, values, wire);
            values.div_(size);
        }
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>Replaces <paramref name="flat"/> with the sum over ranks of its values rounded to <paramref name="wire"/>, in fp32.</summary>
    static void SumAs(ICollectives world, Tensor flat, ScalarType wire)
    {
        if (world.SumsBFloat16)
        {
            using var narrow = flat.to(wire);
            world.AllReduceSum(narrow);
            flat.copy_(narrow);
            return;
        }
        // MPI has no bfloat16 sum: every rank's values are gathered and summed in fp32 in rank order, E/N values at a
        // time, so that the N gathered copies together take one bucket's room whatever the number of ranks.
        long n = flat.numel(), slice = (n + world.Size - 1) / world.Size;
        for (long start = 0; start < n; start += slice)
        {
            using var scope = NewDisposeScope();
            var part = flat.narrow(0, start, Math.Min(slice, n - start));
            part.copy_(world.AllGather(part.to(wire).unsqueeze(0)).to(ScalarType.Float32).sum(dim: 0)); // (N, E/N) → (E/N)
        }
    }
}

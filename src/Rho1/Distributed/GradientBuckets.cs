// Data-parallel gradient averaging: the parameters' gradients are packed in order into flat buckets of at
// most a given size, each bucket all-reduced as one message (a few large messages instead of one per
// tensor), divided by the world size and unpacked. Runs after backward: TorchSharp 0.107 exposes no
// per-parameter gradient hooks, so communication cannot overlap with backward yet.
using System.Diagnostics;
using static TorchSharp.torch;

namespace Rho1.Distributed;

public static class GradientBuckets
{
    /// <summary>25 MB of fp32, as PyTorch's DDP buckets by default.</summary>
    public const long DefaultElements = 25L * 1024 * 1024 / 4;

    /// <summary>A run of consecutive tensors [First, First + Count) packed as one message of Elements values.</summary>
    public readonly record struct Bucket(int First, int Count, long Elements);

    /// <summary>
    /// Consecutive tensors grouped greedily so that no bucket exceeds <paramref name="maxElements"/>, except a
    /// single tensor larger than that, which travels alone.
    /// </summary>
    public static IReadOnlyList<Bucket> Layout(IReadOnlyList<long> sizes, long maxElements)
    {
        if (maxElements < 1) throw new ArgumentOutOfRangeException(nameof(maxElements), "a bucket holds at least one value");
        var buckets = new List<Bucket>();
        int first = 0;
        long elements = 0;
        for (int i = 0; i < sizes.Count; i++)
        {
            if (i > first && elements + sizes[i] > maxElements)
            {
                buckets.Add(new Bucket(first, i - first, elements));
                (first, elements) = (i, 0);
            }
            elements += sizes[i];
        }
        if (sizes.Count > first) buckets.Add(new Bucket(first, sizes.Count - first, elements));
        return buckets;
    }

    /// <summary>
    /// Replaces every gradient with its mean over ranks; returns the seconds spent (packing included). With
    /// <paramref name="wire"/> BFloat16 the values travel as bfloat16 (half the bytes): NCCL sums them in bfloat16; over MPI,
    /// which has no bfloat16 sum, each rank's bfloat16 values are gathered and summed in fp32 in rank order.
    /// </summary>
    public static double AllReduceMean(ICollectives world, IReadOnlyList<Tensor> parameters, ScalarType wire = ScalarType.Float32, long maxElements = DefaultElements)
    {
        if (world is SingleProcess) return 0;
        var watch = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var grads = parameters.Select(p => p.grad ?? throw new InvalidOperationException("a parameter has no gradient after backward")).ToList();
        foreach (var bucket in Layout([.. grads.Select(g => g.numel())], maxElements))
        {
            var members = grads.Skip(bucket.First).Take(bucket.Count).ToList();
            var flat = cat(members.Select(g => g.reshape(-1)).ToArray());
            if (wire == ScalarType.Float32)
                world.AllReduceSum(flat);
            else
                flat = SumAs(world, flat, wire);
            flat.div_(world.Size);
            long offset = 0;
            foreach (var g in members)
            {
                g.copy_(flat.narrow(0, offset, g.numel()).view_as(g));
                offset += g.numel();
            }
        }
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>The sum over ranks of <paramref name="flat"/> rounded to <paramref name="wire"/>, back in fp32.</summary>
    static Tensor SumAs(ICollectives world, Tensor flat, ScalarType wire)
    {
        var narrow = flat.to(wire);
        if (world.SumsBFloat16)
        {
            world.AllReduceSum(narrow);
            return narrow.to(ScalarType.Float32);
        }
        return world.AllGather(narrow.unsqueeze(0)).to(ScalarType.Float32).sum(dim: 0); // (N, E) → (E), fp32
    }
}

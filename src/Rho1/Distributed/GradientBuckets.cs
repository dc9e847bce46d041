// Data-parallel gradient averaging over the flat gradient buffer (FlatStore): buckets are consecutive views of it of at
// most a given size, each all-reduced in place as one message (a few large messages instead of one per tensor) and
// divided by the world size, so no message, and no buffer of the MPI library's for it, is larger than a bucket. The
// layout of pieces of tensors into buckets (Layout, Values, Unpack) is ZeRO-1's (ShardedAdamW).
// Runs after backward: TorchSharp 0.107 exposes no per-parameter gradient hooks, so communication cannot overlap
// with backward yet.
using System.Diagnostics;
using static TorchSharp.torch;

namespace Rho1.Distributed;

public static class GradientBuckets
{
    /// <summary>25 MB of fp32, as PyTorch's DDP buckets by default.</summary>
    public const long DefaultElements = 25L * 1024 * 1024 / 4;

    /// <summary>Values [Offset, Offset + Length) of tensor Index, flattened.</summary>
    public readonly record struct Piece(int Index, long Offset, long Length);

    /// <summary>Pieces packed, in order, as one message.</summary>
    public sealed record Bucket(IReadOnlyList<Piece> Pieces)
    {
        public long Elements => Pieces.Sum(p => p.Length);

        /// <summary>"index:offset+length" per piece, for tests and messages.</summary>
        public override string ToString() => string.Join(" ", Pieces.Select(p => $"{p.Index}:{p.Offset}+{p.Length}"));
    }

    /// <summary>
    /// Consecutive tensors grouped greedily so that no bucket exceeds <paramref name="maxElements"/>. A tensor that
    /// does not fit the open bucket starts the next one whole if it fits a bucket, else it is cut into full buckets and a
    /// remainder that the following tensors join.
    /// </summary>
    public static IReadOnlyList<Bucket> Layout(IReadOnlyList<long> sizes, long maxElements)
    {
        if (maxElements < 1) throw new ArgumentOutOfRangeException(nameof(maxElements), "a bucket holds at least one value");
        var buckets = new List<Bucket>();
        var open = new List<Piece>();
        long elements = 0;
        void Close()
        {
            if (open.Count > 0) buckets.Add(new Bucket([.. open]));
            (open, elements) = ([], 0);
        }
        for (int i = 0; i < sizes.Count; i++)
        {
            if (elements + sizes[i] > maxElements) Close();
            long offset = 0;
            for (; sizes[i] - offset > maxElements; offset += maxElements)
                buckets.Add(new Bucket([new Piece(i, offset, maxElements)]));
            if (sizes[i] - offset > 0)
            {
                open.Add(new Piece(i, offset, sizes[i] - offset));
                elements += sizes[i] - offset;
            }
        }
        Close();
        return buckets;
    }

    /// <summary>The piece's values of <paramref name="tensor"/>: a view, as the tensor must be contiguous.</summary>
    public static Tensor Values(Tensor tensor, Piece piece) => tensor.view(-1).narrow(0, piece.Offset, piece.Length);

    /// <summary>Hands each piece of <paramref name="bucket"/> its values of <paramref name="flat"/>, the bucket packed in order (padding after it ignored).</summary>
    public static void Unpack(Bucket bucket, Tensor flat, Action<Piece, Tensor> use)
    {
        long offset = 0;
        foreach (var piece in bucket.Pieces)
        {
            use(piece, flat.narrow(0, offset, piece.Length));
            offset += piece.Length;
        }
    }

    /// <summary>
    /// Replaces the gradients in <paramref name="flat"/> (the one contiguous buffer every gradient is a view of: FlatStore)
    /// with their mean over ranks, a bucket of at most <paramref name="maxElements"/> values at a time, each reduced where it
    /// lies (no packing or unpacking copy); returns the seconds spent. With <paramref name="wire"/> BFloat16 the values
    /// travel as bfloat16 (half the bytes): NCCL sums them in bfloat16; over MPI, which has no bfloat16 sum, each rank's
    /// bfloat16 values are gathered and summed in fp32 in rank order.
    /// </summary>
    public static double AllReduceMean(ICollectives world, Tensor flat, ScalarType wire = ScalarType.Float32, long maxElements = DefaultElements)
    {
        if (world is SingleProcess) return 0;
        if (!flat.is_contiguous() || flat.dim() != 1) throw new InvalidOperationException("the gradient buffer must be flat and contiguous");
        var watch = Stopwatch.StartNew();
        foreach (var bucket in Layout([flat.numel()], maxElements))
        {
            using var scope = NewDisposeScope(); // one bucket's buffers at a time
            var values = Values(flat, bucket.Pieces[0]);
            if (wire == ScalarType.Float32)
                world.AllReduceSum(values);
            else
                values.copy_(SumAs(world, values, wire));
            values.div_(world.Size);
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

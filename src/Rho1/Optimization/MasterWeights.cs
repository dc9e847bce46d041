// train.zero=2 (issue 36): the weights every rank computes with are the store itself, in the compute dtype (bf16), and
// fp32 master weights exist only for the values this rank owns (ShardLayout), beside its moments and gradient sum. Each
// micro-batch's gradient (the store's, in the compute dtype) is reduce-scattered in fp32 and added into the owner's fp32
// sum, so micro-batches accumulate in fp32 without a whole fp32 gradient on any rank; after an update each rank's masters
// are cast to the compute dtype and all-gathered into every rank's store. Per parameter: 2 B of working weights and 2 B
// of gradient on every rank, 16/N B of masters, moments and gradient sum (Megatron-LM's distributed optimizer, 4 + 16/N).
using Rho1.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Optimization;

internal static class MasterWeights
{
    /// <summary>
    /// This rank's fp32 masters of <paramref name="parameters"/> (fp32, before the model moves to its compute dtype) in the
    /// layout AdamW gives a store of them sharded over <paramref name="world"/> (same bucket and norm-block sizes), at
    /// their local offsets, padding zero: taken before the conversion, so that the fp32 model can be freed before the
    /// bf16 store is built.
    /// </summary>
    public static Tensor Slice(IReadOnlyList<(string Name, Parameter Param)> parameters, ICollectives world, long bucketValues, long normBlock)
    {
        var entries = FlatStore.Lay(parameters);
        var layout = ShardLayout.Chunked(entries.Sum(e => e.Length), world.Rank, world.Size, bucketValues, normBlock);
        var device = parameters.Count > 0 ? parameters[0].Param.device : torch.CPU;
        var slice = torch.zeros(layout.LocalLength, ScalarType.Float32, device).DetachFromDisposeScope();
        using var noGrad = torch.no_grad();
        foreach (var e in entries)
        {
            if (e.Param.dtype != ScalarType.Float32)
                throw new ArgumentException($"parameter {e.Name} is {e.Param.dtype}: masters are taken from fp32 weights", nameof(parameters));
            using var detached = e.Param.detach();
            using var flat = detached.reshape(-1);
            foreach (var (from, to, local) in Overlaps(e, layout))
            {
                using var dst = slice.narrow(0, local, to - from);
                using var src = flat.narrow(0, from - e.Offset, to - from);
                dst.copy_(src);
            }
        }
        return slice;
    }

    /// <summary>Where <paramref name="entry"/> meets this rank's ranges: store positions [From, To) and the local offset of From.</summary>
    static IEnumerable<(long From, long To, long Local)> Overlaps(FlatEntry entry, ShardLayout layout)
    {
        foreach (var r in layout.Owned)
        {
            long from = Math.Max(entry.Offset, r.Start), to = Math.Min(entry.Offset + entry.Length, r.Start + r.Length);
            if (from < to) yield return (from, to, r.LocalStart + from - r.Start);
        }
    }

    /// <summary>Every rank's masters cast to the store's dtype and all-gathered into every rank's store, a bucket at a time.</summary>
    public static void Gather(ICollectives world, ShardLayout layout, Tensor masters, FlatStore store)
    {
        using var noGrad = torch.no_grad();
        for (int b = 0; b < layout.Buckets; b++)
        {
            using var scope = torch.NewDisposeScope();
            var cast = masters.narrow(0, b * layout.Chunk, layout.Chunk).to(store.Weights.dtype);
            store.PaddedWeights.narrow(0, b * layout.BucketValues, layout.BucketValues).copy_(world.AllGather(cast));
        }
    }

    /// <summary>
    /// Adds this micro-batch's gradient, summed over ranks, into this rank's fp32 sum <paramref name="sum"/> (local layout):
    /// each bucket of the store's gradient reduce-scattered, in fp32 or, where the collectives sum bfloat16 (NCCL) and
    /// <paramref name="wire"/> asks for it, in the store's bf16 (half the bytes; the partial sums rounded to bf16); then
    /// zeroes the store's gradient for the next micro-batch.
    /// </summary>
    public static void ReduceMicroBatch(ICollectives world, ShardLayout layout, FlatStore store, Tensor sum, ScalarType wire = ScalarType.Float32)
    {
        using var noGrad = torch.no_grad();
        var type = WireType(world, store, wire);
        for (int b = 0; b < layout.Buckets; b++)
        {
            using var scope = torch.NewDisposeScope();
            var input = store.PaddedGradients.narrow(0, b * layout.BucketValues, layout.BucketValues).to(type);
            var output = torch.empty(layout.Chunk, type, sum.device);
            world.ReduceScatterSum(input, output);
            sum.narrow(0, b * layout.Chunk, layout.Chunk).add_(output, HeldScalars.One);
        }
        store.Gradients.zero_();
    }

    /// <summary>What a bucket travels as: the store's own dtype when <paramref name="wire"/> is it and the collectives can sum it, else fp32.</summary>
    public static ScalarType WireType(ICollectives world, FlatStore store, ScalarType wire) =>
        wire == ScalarType.BFloat16 && store.Weights.dtype == ScalarType.BFloat16 && world.SumsBFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
}

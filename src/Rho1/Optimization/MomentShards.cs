// Whole moments to and from a rank's chunks (AdamW with ZeRO-1): a checkpoint holds every moment whole under its
// parameter's name, whatever the world size, so saving gathers the chunks of every rank and loading keeps this rank's
// chunks of the whole. One moment at a time is whole in memory on load (4 bytes per parameter); saving holds both.
using Rho1.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Optimization;

internal static class MomentShards
{
    /// <summary>The whole flat moment (the store's padded length) from every rank's <paramref name="local"/> chunks: a collective.</summary>
    public static Tensor Gather(ICollectives world, ShardLayout layout, Tensor local)
    {
        using var noGrad = torch.no_grad();
        var whole = torch.zeros(layout.Capacity, device: local.device).DetachFromDisposeScope();
        for (int b = 0; b < layout.Buckets; b++)
        {
            using var scope = torch.NewDisposeScope();
            whole.narrow(0, b * layout.BucketValues, layout.BucketValues).copy_(world.AllGather(local.narrow(0, b * layout.Chunk, layout.Chunk)));
        }
        return whole;
    }

    /// <summary>This rank's chunks of the moments named <paramref name="prefix"/>NAME in <paramref name="state"/>, into <paramref name="local"/>.</summary>
    public static void Scatter(IReadOnlyDictionary<string, Tensor> state, string prefix, IEnumerable<FlatEntry> entries, ShardLayout layout, Tensor local)
    {
        using var noGrad = torch.no_grad();
        using var whole = torch.zeros(layout.Capacity, device: local.device);
        foreach (var e in entries)
            CopyIn(state, prefix + e.Name, FlatStore.View(whole, e));
        foreach (var r in layout.Owned)
        {
            using var to = local.narrow(0, r.LocalStart, r.Length);
            using var from = whole.narrow(0, r.Start, r.Length);
            to.copy_(from);
        }
    }

    /// <summary>Copies <paramref name="state"/>[<paramref name="key"/>] into <paramref name="target"/> (a view, disposed here); a clear error if missing or misshapen.</summary>
    public static void CopyIn(IReadOnlyDictionary<string, Tensor> state, string key, Tensor target)
    {
        using (target)
        {
            if (!state.TryGetValue(key, out var src))
                throw new InvalidDataException($"optimizer state lacks '{key}'");
            if (!src.shape.SequenceEqual(target.shape))
                throw new InvalidDataException($"optimizer state '{key}' has shape [{string.Join(",", src.shape)}], expected [{string.Join(",", target.shape)}]");
            target.copy_(src);
        }
    }
}

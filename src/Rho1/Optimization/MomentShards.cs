// A rank's chunks of the moments (AdamW with ZeRO-1) to and from checkpoints. Whole moments under parameter names
// (Gather, Scatter): what an unsharded run writes, and what older sharded runs wrote. Parts (PartTensors, LoadParts):
// what a sharded run writes now, each rank its own chunks with their places in the store, so that no rank holds the
// whole state; a part written at N ranks is read at any M (each rank takes the pieces of its own ranges from each
// part in turn, one part in memory at a time), and by an unsharded run. With train.zero=2 a part holds the rank's fp32
// master weights too ("w"), which any run resuming from it takes as its weights.
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

    /// <summary>
    /// This rank's part: its moment chunks ("m", "v", local layout), its master weights ("w", train.zero=2 only), the store's
    /// length and its owned ranges as (start, length, local start) rows.
    /// </summary>
    public static IEnumerable<(string Name, Tensor Tensor)> PartTensors(ShardLayout layout, Tensor m, Tensor v, Tensor? w) =>
    [
        ("m", m), ("v", v), .. w is null ? Array.Empty<(string, Tensor)>() : [("w", w)],
        ("store_length", torch.tensor(new[] { layout.Length })),
        ("owned", torch.tensor(layout.Owned.SelectMany(r => new[] { r.Start, r.Length, r.LocalStart }).ToArray(), [layout.Owned.Count, 3])),
    ];

    /// <summary>
    /// Fills this rank's <paramref name="m"/> and <paramref name="v"/>, and <paramref name="w"/> where the parts hold master
    /// weights (all laid out as <paramref name="layout"/>), from <paramref name="parts"/> (PartTensors of every rank that
    /// wrote them, at any number of ranks; read one at a time as the enumeration yields them, and disposed after use); every
    /// owned value must be found exactly once. Returns whether <paramref name="w"/> was filled (no part holds "w": false).
    /// </summary>
    public static bool LoadParts(IEnumerable<IReadOnlyDictionary<string, Tensor>> parts, ShardLayout layout, Tensor m, Tensor v, Tensor w)
    {
        using var noGrad = torch.no_grad();
        long found = 0, foundWeights = 0;
        int index = 0;
        foreach (var part in parts)
        {
            try
            {
                long length = part["store_length"].item<long>();
                if (length != layout.Length)
                    throw new InvalidDataException($"optimizer part {index} holds a store of {length:N0} values, this model has {layout.Length:N0}");
                long[] owned = part["owned"].numel() == 0 ? [] : part["owned"].data<long>().ToArray(); // a rank past the store's end owns nothing
                for (int i = 0; i < owned.Length; i += 3)
                {
                    long start = owned[i], count = owned[i + 1], local = owned[i + 2];
                    foreach (var mine in layout.Owned)
                    {
                        long from = Math.Max(start, mine.Start), to = Math.Min(start + count, mine.Start + mine.Length);
                        if (from >= to) continue;
                        var pairs = new List<(Tensor Src, Tensor Dst)> { (part["m"], m), (part["v"], v) };
                        if (part.TryGetValue("w", out var weights)) pairs.Add((weights, w));
                        foreach (var (src, dst) in pairs)
                        {
                            using var target = dst.narrow(0, mine.LocalStart + from - mine.Start, to - from);
                            using var source = src.narrow(0, local + from - start, to - from);
                            target.copy_(source);
                        }
                        found += to - from;
                        if (pairs.Count > 2) foundWeights += to - from;
                    }
                }
            }
            finally
            {
                foreach (var t in part.Values) t.Dispose();
                index++;
            }
        }
        long wanted = layout.Owned.Sum(r => r.Length);
        if (found != wanted)
            throw new InvalidDataException($"optimizer parts cover {found:N0} of this rank's {wanted:N0} values (a part missing or repeated)");
        if (foundWeights != 0 && foundWeights != wanted)
            throw new InvalidDataException($"optimizer parts hold master weights for {foundWeights:N0} of this rank's {wanted:N0} values (parts of different runs)");
        return foundWeights != 0;
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

// AdamW with its state sharded over the job's ranks (ZeRO stage 1, train.zero=1). The parameters are laid out in the
// flat buckets of data-parallel averaging; each bucket is cut into N equal chunks, and rank r keeps the moments (and
// the averaged gradient) of chunk r only: 12 bytes per parameter become 12/N. Each step: gradients reduce-scattered
// (each rank receives the sum of its chunk), the global norm from the chunks, rank r updates its chunk of the weights,
// and the chunks are all-gathered so that every rank holds the same full weights again. The arithmetic per element is
// AdamW's, so with the same gradients the weights are the same bits. Checkpoints hold whole moments (State gathers
// them, on every rank), in AdamW's names, so a run resumes at any world size, sharded or not.
using Rho1.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Optimization;

public sealed class ShardedAdamW : IOptimizer
{
    /// <summary>Part of a parameter inside this rank's chunk of a bucket: values [ParamOffset, +Length) at chunk offset ChunkOffset.</summary>
    readonly record struct Segment(int Param, long ParamOffset, long ChunkOffset, long Length);

    /// <summary>A bucket of parameter pieces, cut into chunks of Chunk values (the last padded), and this rank's state for its chunk.</summary>
    sealed record Shard(GradientBuckets.Bucket Bucket, long Chunk, Segment[] Segments, Tensor M, Tensor V, Tensor Grad);

    readonly (string Name, Parameter Param, bool Decay)[] _params;
    readonly Shard[] _shards;
    readonly ICollectives _world;
    readonly double _beta1, _beta2, _eps, _weightDecay;
    long _step;

    public long Step => _step;
    public bool Sharded => true;

    public ShardedAdamW(IEnumerable<(string Name, Parameter Param)> parameters, ICollectives world, double beta1, double beta2, double eps, double weightDecay,
        long bucketElements = GradientBuckets.DefaultElements)
    {
        _params = parameters.Select(p => (p.Name, p.Param, p.Param.dim() >= 2)).ToArray();
        _world = world;
        (_beta1, _beta2, _eps, _weightDecay) = (beta1, beta2, eps, weightDecay);
        var sizes = _params.Select(p => p.Param.numel()).ToList();
        var device = _params.Length > 0 ? _params[0].Param.device : torch.CPU;
        _shards = GradientBuckets.Layout(sizes, bucketElements).Select(b =>
        {
            long chunk = (b.Elements + world.Size - 1) / world.Size;
            long start = world.Rank * chunk, end = Math.Min(b.Elements, start + chunk);
            var segments = new List<Segment>();
            long offset = 0;
            foreach (var piece in b.Pieces)
            {
                long from = Math.Max(start, offset), to = Math.Min(end, offset + piece.Length);
                if (from < to) segments.Add(new Segment(piece.Index, piece.Offset + from - offset, from - start, to - from));
                offset += piece.Length;
            }
            Tensor Zeros() => torch.zeros(chunk, device: device).DetachFromDisposeScope();
            return new Shard(b, chunk, [.. segments], Zeros(), Zeros(), Zeros());
        }).ToArray();
    }

    /// <summary>Values of optimizer state this rank holds (moments and gradient chunk): about 3/N of the parameters.</summary>
    public long LocalStateElements => _shards.Sum(s => 3 * s.Chunk);

    public double ReduceGradients(ICollectives world)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var noGrad = torch.no_grad();
        foreach (var shard in _shards)
        {
            using var scope = torch.NewDisposeScope();
            var flat = Flat(shard, i => _params[i].Param.grad ?? throw new InvalidOperationException("a parameter has no gradient after backward"));
            _world.ReduceScatterSum(flat, shard.Grad);
            shard.Grad.div_(_world.Size);
        }
        return watch.Elapsed.TotalSeconds;
    }

    public Tensor ClipGradients(double maxNorm)
    {
        using var noGrad = torch.no_grad();
        // Per parameter, its segments on this rank joined, in order: on one rank that is every parameter whole, so the norm
        // is AdamW's to the bit.
        var perParam = _shards.SelectMany(s => s.Segments.Select(g => (g.Param, Values: s.Grad.narrow(0, g.ChunkOffset, g.Length))))
            .GroupBy(x => x.Param, x => x.Values)
            .Select(g => GradientClipping.SquaredSum(g.Count() == 1 ? g.First() : torch.cat(g.ToArray())));
        var squares = torch.stack(perParam.DefaultIfEmpty(torch.zeros(Array.Empty<long>(), device: _shards.Length > 0 ? _shards[0].Grad.device : torch.CPU))).sum().reshape(1);
        _world.AllReduceSum(squares);
        var norm = squares.sqrt().squeeze(0);
        GradientClipping.Scale(_shards.Select(s => s.Grad), norm, maxNorm);
        return norm;
    }

    public void Update(double lr)
    {
        using var step = new AdamStep(lr, _beta1, _beta2, _eps, _weightDecay, ++_step);
        using var noGrad = torch.no_grad();
        foreach (var shard in _shards)
        {
            using var scope = torch.NewDisposeScope();
            var weights = Flat(shard, i => _params[i].Param); // the whole bucket's weights; this rank updates its chunk of them
            var chunk = weights.narrow(0, _world.Rank * shard.Chunk, shard.Chunk);
            foreach (var s in shard.Segments)
                step.Apply(chunk.narrow(0, s.ChunkOffset, s.Length), shard.Grad.narrow(0, s.ChunkOffset, s.Length),
                    shard.M.narrow(0, s.ChunkOffset, s.Length), shard.V.narrow(0, s.ChunkOffset, s.Length), _params[s.Param].Decay);
            GradientBuckets.Unpack(shard.Bucket, _world.AllGather(chunk.contiguous()), (piece, values) => GradientBuckets.Values(_params[piece.Index].Param, piece).copy_(values));
        }
    }

    /// <summary>Device-gated updates are not sharded: the trainer decides a sharded run's skips on the host.</summary>
    public void Update(double lr, Tensor apply) =>
        throw new NotSupportedException("train.zero=1 decides skipped updates on the host (DeviceSideSkip off)");

    public void ZeroGrad()
    {
        foreach (var (_, p, _) in _params)
            p.grad?.zero_();
    }

    /// <summary>Whole moments, gathered from every rank's chunks: a collective, so every rank must enumerate it.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> State()
    {
        using var noGrad = torch.no_grad();
        var whole = new Dictionary<string, Tensor>();
        foreach (var shard in _shards)
            foreach (var (prefix, local) in new[] { ("m.", shard.M), ("v.", shard.V) })
            {
                using var scope = torch.NewDisposeScope();
                GradientBuckets.Unpack(shard.Bucket, _world.AllGather(local), (piece, values) =>
                {
                    var p = _params[piece.Index];
                    if (!whole.TryGetValue(prefix + p.Name, out var target))
                        whole[prefix + p.Name] = target = torch.empty_like(p.Param, requires_grad: false).DetachFromDisposeScope();
                    GradientBuckets.Values(target, piece).copy_(values);
                });
            }
        return whole.Select(kv => (kv.Key, kv.Value)).OrderBy(s => Order(s.Key)).ToList();
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> state, long step)
    {
        using var noGrad = torch.no_grad();
        foreach (var shard in _shards)
            foreach (var (prefix, local) in new[] { ("m.", shard.M), ("v.", shard.V) })
            {
                using var scope = torch.NewDisposeScope();
                var whole = Flat(shard, i =>
                {
                    var p = _params[i].Param;
                    string key = prefix + _params[i].Name;
                    var src = state.TryGetValue(key, out var t) ? t : throw new InvalidDataException($"optimizer state lacks '{key}'");
                    return src.shape.SequenceEqual(p.shape) ? src.to(local.device).contiguous()
                        : throw new InvalidDataException($"optimizer state '{key}' has shape [{string.Join(",", src.shape)}], expected [{string.Join(",", p.shape)}]");
                });
                local.copy_(whole.narrow(0, _world.Rank * shard.Chunk, shard.Chunk));
            }
        _step = step;
    }

    /// <summary>
    /// The bucket's pieces (of one tensor per parameter index, chosen by <paramref name="pick"/>) as one flat fp32 tensor
    /// padded to N chunks: a view of the tensor itself when the bucket is one piece that needs no padding (no copy).
    /// </summary>
    Tensor Flat(Shard shard, Func<int, Tensor> pick)
    {
        var parts = shard.Bucket.Pieces.Select(p => GradientBuckets.Values(pick(p.Index), p)).ToList();
        long padding = shard.Chunk * _world.Size - shard.Bucket.Elements;
        if (parts is [{ } only] && padding == 0) return only;
        if (padding > 0) parts.Add(torch.zeros(padding, device: parts[0].device));
        return torch.cat(parts);
    }

    /// <summary>AdamW's order of state names: m then v of each parameter in turn.</summary>
    int Order(string name) => 2 * Array.FindIndex(_params, x => x.Name == name[2..]) + (name[0] == 'v' ? 1 : 0);

    public void Dispose()
    {
        foreach (var s in _shards)
        {
            s.M.Dispose();
            s.V.Dispose();
            s.Grad.Dispose();
        }
    }
}

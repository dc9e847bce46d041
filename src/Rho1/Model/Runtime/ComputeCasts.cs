// Weights cast to the compute dtype once and reused until they change, as autocast caches its casts: a bf16
// model casts each fp32 master weight once per optimizer step instead of once per micro-batch, and a frozen
// model (an online reference) once for its life. Casts made with gradient enabled are kept apart from casts
// made without, so an evaluation's casts never stand in for a training forward's. The output layer's cast for the
// chunked loss (outside any graph) is kept for the run and rewritten in place, so a (V, C) block is not allocated per step.
// Once an optimizer holds the weights in its flat store, the blocks' matrices come from CastRuns instead: one standing
// cast of the store refreshed per update, its graph built once, so no step makes an autograd node per weight.
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Model.Runtime;

public sealed class ComputeCasts : IDisposable
{
    readonly Dictionary<(IntPtr Weight, bool Grad), Tensor> _cache = [];
    readonly Dictionary<(IntPtr First, bool Grad), Tensor> _joined = []; // fused projections' weights, keyed by their first part
    readonly Dictionary<(IntPtr Weight, bool Grad), Tensor> _padded = []; // the whole-logits head with zero rows (Padded)
    readonly Dictionary<IntPtr, (Tensor Cast, bool Fresh)> _detached = []; // Fresh: rewritten since the weights last changed
    ScalarType _computeType = ScalarType.Float32;
    CastRuns? _runs;

    /// <summary>Dtype of matmuls: Float32 (weights used as they are) or BFloat16. Changing it drops the cache.</summary>
    public ScalarType ComputeType
    {
        get => _computeType;
        set
        {
            if (value != _computeType) Invalidate();
            _computeType = value;
        }
    }

    /// <summary>Casts currently held, a joined weight counting one (for tests and memory accounting).</summary>
    public int Count => _cache.Count + _joined.Count + _padded.Count + (_runs?.Held ?? 0);

    /// <summary>
    /// Weights cast a run at a time from here on (the optimizer's store laid them side by side; CastRuns), null for one cast
    /// per weight again. The cache is dropped; the runs given are owned (disposed with these casts or when replaced).
    /// </summary>
    public CastRuns? Runs
    {
        get => _runs;
        set
        {
            Invalidate();
            if (!ReferenceEquals(value, _runs)) _runs?.Dispose();
            _runs = value;
        }
    }

    /// <summary>
    /// While set, a cast asked for without gradient is made (and kept) with it: a checkpointed block's forward runs without
    /// gradient and its recompute with, and one cast then serves both; otherwise every block weight would have a second
    /// bf16 copy (2 GB for tinyllama-1b, measured on an H200; 14 GB for a 7B model). A cast with gradient may serve a
    /// forward without (nothing is recorded there); the reverse never happens.
    /// </summary>
    public bool ShareCastsWithRecompute { get; set; }

    /// <summary><paramref name="weight"/> in the compute dtype: the weight itself in fp32, else a cached cast.</summary>
    public Tensor Of(Parameter weight)
    {
        if (weight.dtype == _computeType) return weight;
        if (_runs is not null && _runs.TryCast(weight, _computeType, out var fromRun)) return fromRun;
        bool grad = WithGrad(weight);
        var key = (weight.Handle, grad);
        if (!_cache.TryGetValue(key, out var cast))
        {
            using (torch.set_grad_enabled(grad))
                cast = weight.to(_computeType).DetachFromDisposeScope();
            _cache[key] = cast;
        }
        return cast;
    }

    bool WithGrad(Parameter weight) => torch.is_grad_enabled() || (ShareCastsWithRecompute && weight.requires_grad);

    /// <summary>
    /// <paramref name="parts"/> (weights of one input width, or biases) in the compute dtype joined along dimension 0: the
    /// weight of a fused projection (q, k and v; gate and up), whose gradient flows back to each part. Where the parts are
    /// cast, their casts joined (a piece of CastRuns, or one cached cast); where they are the compute dtype already, a piece
    /// of CastRuns (views of the store, train.zero=2) or null; never in fp32, where joining would change the bits of runs
    /// that have always multiplied apart: null.
    /// </summary>
    public Tensor? Joined(IReadOnlyList<Parameter> parts)
    {
        if (_computeType == ScalarType.Float32) return null;
        if (_runs is not null && _runs.TryJoined(parts, _computeType, out var piece)) return piece;
        if (parts[0].dtype == _computeType) return null;
        bool grad = WithGrad(parts[0]);
        var key = (parts[0].Handle, grad);
        if (!_joined.TryGetValue(key, out var joined))
        {
            using var scope = torch.NewDisposeScope(); // the parts' casts live only until joined
            using (torch.set_grad_enabled(grad))
                joined = torch.cat([.. parts.Select(p => p.to(_computeType))], 0).MoveToOuterDisposeScope();
            _joined[key] = joined.DetachFromDisposeScope();
        }
        return joined;
    }

    /// <summary>
    /// Of(<paramref name="weight"/>) with its rows padded with zeros to a multiple of <paramref name="rowMultiple"/> (the head of
    /// the whole-logits loss, Transformer.VocabularyPadding), cached as one cast whose gradient flows back to the weight's rows.
    /// Only where a cast exists anyway (a compute dtype other than the weight's): otherwise Of(weight), unpadded.
    /// </summary>
    public Tensor Padded(Parameter weight, long rowMultiple)
    {
        var (rows, padded) = PaddedRows(weight, rowMultiple);
        if (padded == rows || weight.dtype == _computeType) return Of(weight);
        bool grad = WithGrad(weight);
        var key = (weight.Handle, grad);
        if (!_padded.TryGetValue(key, out var cast))
        {
            using var scope = torch.NewDisposeScope(); // the unpadded cast lives only until joined to the zeros
            using (torch.set_grad_enabled(grad))
                cast = torch.cat([weight.to(_computeType), torch.zeros([padded - rows, .. weight.shape.Skip(1)], _computeType, weight.device)], 0).MoveToOuterDisposeScope();
            _padded[key] = cast.DetachFromDisposeScope();
        }
        return cast;
    }

    /// <summary>The weight's rows, and that count rounded up to a multiple of <paramref name="rowMultiple"/>.</summary>
    static (long Rows, long Padded) PaddedRows(Parameter weight, long rowMultiple)
    {
        long rows = weight.shape[0];
        return (rows, (rows + rowMultiple - 1) / rowMultiple * rowMultiple);
    }

    /// <summary>
    /// <paramref name="weight"/> in the compute dtype outside any graph (the chunked loss's output layer, whose gradient goes to
    /// the fp32 weight directly): the weight itself in fp32, else a cast kept for the run and rewritten in place when the
    /// weights changed, so that a (V, C) cast is not a fresh block every step. With <paramref name="rowMultiple"/> above 1
    /// the cast has its rows padded with zeros to a multiple of it (the vocabulary of the head's matmul, issue 35): rows
    /// 0 … V − 1 are the weight's, the rest stay zero.
    /// </summary>
    public Tensor OutsideGraph(Parameter weight, long rowMultiple = 1)
    {
        if (weight.dtype == _computeType) return weight.detach();
        var (rows, padded) = PaddedRows(weight, rowMultiple);
        if (_detached.TryGetValue(weight.Handle, out var held) && held.Fresh && held.Cast.shape[0] == padded) return held.Cast.alias();
        using var noGrad = torch.no_grad();
        if (held.Cast is { } cast && cast.dtype == _computeType && cast.shape[0] == padded && cast.device_type == weight.device_type && cast.device_index == weight.device_index)
            cast.narrow(0, 0, rows).copy_(weight);
        else
        {
            held.Cast?.Dispose();
            cast = padded == rows ? weight.to(_computeType).DetachFromDisposeScope()
                : torch.zeros([padded, .. weight.shape.Skip(1)], _computeType, weight.device).DetachFromDisposeScope();
            if (padded != rows) cast.narrow(0, 0, rows).copy_(weight);
        }
        _detached[weight.Handle] = (cast, true);
        return cast.alias();
    }

    /// <summary>Drops every cast: call whenever the weights change (an optimizer update, loaded weights, a move to another device).</summary>
    public void Invalidate()
    {
        foreach (var t in _cache.Values.Concat(_joined.Values).Concat(_padded.Values)) t.Dispose();
        _runs?.Invalidate();
        _cache.Clear();
        _joined.Clear();
        _padded.Clear();
        foreach (var key in _detached.Keys.ToList())
            _detached[key] = (_detached[key].Cast, false);
    }

    public void Dispose()
    {
        Invalidate();
        _runs?.Dispose();
        _runs = null;
        foreach (var (cast, _) in _detached.Values) cast.Dispose();
        _detached.Clear();
    }
}

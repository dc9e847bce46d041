// The blocks' weights in the compute dtype as one standing bf16 copy of the optimizer's store (issue 35): refreshed by one
// cast per contiguous range after each update, where casting weight by weight built an autograd node per weight every
// step and a fused projection's join copied them. The graph from the store to the casts is built once: a run (a block's
// pieces lying back to back in the store, one column count) has an fp32 alias leaf over its range whose gradient is the
// gradient buffer's same range, a cast node, and a split node into its pieces; the cast's output is then re-pointed at
// the standing copy, whose in-place refresh the graph never sees (neither node saves a tensor, and the cast's own version
// stays as it was). Backward gives the same values as one cast per weight: the split's backward is a copy, widening bf16
// exact, autograd adds into the gradient buffer in place. A piece is what the model multiplies: one weight, or a fused
// projection's parts (q, k, v; gate, up) as the rows of one matrix, which so need no join. Where the store already holds
// the compute dtype (train.zero=2's bf16 working weights) there is nothing to cast: a run's pieces are its alias split,
// views of the store itself, made again after each update (an in-place write to the store would otherwise turn their
// backward into one as_strided per piece).
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Model.Runtime;

public sealed class CastRuns : IDisposable
{
    /// <summary>Values of one run at most (16M: a run's gradients wait for each other in backward, 8 B per value at worst).</summary>
    public const long DefaultMaxValues = 1L << 24;

    sealed record Run(Tensor Alias, long Start, long Values, long[] PieceRows, Parameter[][] Pieces);

    readonly Tensor _weights;
    readonly List<Run> _runs = [];
    readonly Dictionary<IntPtr, (int Run, int Piece, long Row)> _at = []; // by parameter handle: its run, piece, first row
    readonly List<(long Start, long Values, Tensor Copy)> _copies = []; // the standing casts, one per contiguous range of runs
    readonly List<Tensor> _graph = []; // each run's cast (the output of its cast node)
    readonly Dictionary<IntPtr, Tensor> _members = []; // a fused piece's part asked for alone: a view of its piece
    Tensor[][] _pieces = [];
    ScalarType? _type;
    bool _fresh;

    /// <summary>
    /// Runs over <paramref name="weights"/> and <paramref name="gradients"/> (a store's flat buffers, one dtype) of each block's
    /// pieces, in order: consecutive pieces whose parts lie back to back in the store (<paramref name="offsetOf"/>: a
    /// parameter's first value there, null if absent) with one column count, up to <paramref name="maxValues"/> values
    /// (a longer piece is a run alone). Pieces that are not matrices of the store's dtype side by side stay out.
    /// </summary>
    public CastRuns(Tensor weights, Tensor gradients, Func<Parameter, long?> offsetOf, IEnumerable<IReadOnlyList<IReadOnlyList<Parameter>>> blocks,
        long maxValues = DefaultMaxValues)
    {
        if (weights.dim() != 1 || gradients.dim() != 1 || weights.numel() != gradients.numel() || weights.dtype != gradients.dtype)
            throw new ArgumentException("a store's weights and gradients are flat buffers of one length and dtype", nameof(weights));
        _weights = weights.alias().DetachFromDisposeScope(); // what lives here outlives any forward's dispose scope
        foreach (var block in blocks)
        {
            var open = new List<(Parameter[] Parts, long Start, long End)>();
            foreach (var piece in block)
            {
                var span = Span(piece, offsetOf, weights.dtype);
                if (open.Count > 0 && (span is null || span.Value.Start != open[^1].End || piece[0].shape[1] != open[0].Parts[0].shape[1]
                    || span.Value.End - open[0].Start > maxValues))
                    Close(open, gradients);
                if (span is { } s) open.Add(([.. piece], s.Start, s.End));
            }
            Close(open, gradients);
        }
    }

    /// <summary>Runs made.</summary>
    public int Count => _runs.Count;

    /// <summary>Pieces standing in the compute dtype (a fused piece counting one).</summary>
    public int Held => _pieces.Sum(p => p.Length) + _members.Count;

    /// <summary>Where <paramref name="piece"/> lies in the store if it can join a run: matrices of the store's dtype, back to back.</summary>
    static (long Start, long End)? Span(IReadOnlyList<Parameter> piece, Func<Parameter, long?> offsetOf, ScalarType dtype)
    {
        if (piece.Count == 0 || offsetOf(piece[0]) is not { } start) return null;
        long end = start;
        foreach (var p in piece)
        {
            if (p.dim() != 2 || p.dtype != dtype || p.shape[1] != piece[0].shape[1] || offsetOf(p) != end) return null;
            end += p.numel();
        }
        return (start, end);
    }

    void Close(List<(Parameter[] Parts, long Start, long End)> open, Tensor gradients)
    {
        if (open.Count == 0) return;
        long start = open[0].Start, values = open[^1].End - start, columns = open[0].Parts[0].shape[1];
        using var w = _weights.narrow(0, start, values);
        using var g = gradients.narrow(0, start, values);
        using var shaped = w.view(values / columns, columns);
        using var gradient = g.view(values / columns, columns);
        var alias = shaped.detach().requires_grad_(true).DetachFromDisposeScope();
        alias.grad = gradient;
        _runs.Add(new Run(alias, start, values, [.. open.Select(p => (p.End - p.Start) / columns)], [.. open.Select(p => p.Parts)]));
        for (int i = 0; i < open.Count; i++)
        {
            long row = 0;
            foreach (var part in open[i].Parts)
            {
                _at[part.Handle] = (_runs.Count - 1, i, row);
                row += part.shape[0];
            }
        }
        open.Clear();
    }

    /// <summary><paramref name="weight"/> in <paramref name="type"/> if it is in a run: its piece, or its rows of a fused piece.</summary>
    public bool TryCast(Parameter weight, ScalarType type, out Tensor cast)
    {
        cast = null!;
        if (!_at.TryGetValue(weight.Handle, out var at)) return false;
        var piece = Pieces(type)[at.Run][at.Piece];
        if (_runs[at.Run].Pieces[at.Piece].Length == 1)
            cast = piece;
        else if (!_members.TryGetValue(weight.Handle, out cast!))
            using (torch.enable_grad())
                _members[weight.Handle] = cast = piece.narrow(0, at.Row, weight.shape[0]).DetachFromDisposeScope();
        return true;
    }

    /// <summary><paramref name="parts"/> joined along rows in <paramref name="type"/>, if they are exactly one piece of a run.</summary>
    public bool TryJoined(IReadOnlyList<Parameter> parts, ScalarType type, out Tensor joined)
    {
        joined = null!;
        if (!_at.TryGetValue(parts[0].Handle, out var at) || !_runs[at.Run].Pieces[at.Piece].SequenceEqual(parts, ReferenceEqualityComparer.Instance)) return false;
        joined = Pieces(type)[at.Run][at.Piece];
        return true;
    }

    /// <summary>Every run's pieces in <paramref name="type"/>, up to date: built on first use, refreshed after Invalidate.</summary>
    Tensor[][] Pieces(ScalarType type)
    {
        if (_type != type) Build(type);
        if (!_fresh && type == _weights.dtype)
            SplitStore();
        else if (!_fresh)
        {
            using var noGrad = torch.no_grad();
            foreach (var (start, values, copy) in _copies)
            {
                using var source = _weights.narrow(0, start, values);
                copy.copy_(source);
            }
        }
        _fresh = true;
        return _pieces;
    }

    /// <summary>The store in the compute dtype already: each run's pieces are views of its alias, split anew.</summary>
    void SplitStore()
    {
        ReleasePieces();
        using var grad = torch.enable_grad();
        _pieces = [.. _runs.Select(run => run.PieceRows.Length == 1 ? [run.Alias]
            : run.Alias.split(run.PieceRows, 0).Select(p => p.DetachFromDisposeScope()).ToArray())];
    }

    void Build(ScalarType type)
    {
        Release();
        (_type, _fresh) = (type, false);
        if (type == _weights.dtype) return;
        _pieces = new Tensor[_runs.Count][];
        using var grad = torch.enable_grad();
        for (int i = 0, j; i < _runs.Count; i = j) // one standing copy per range of runs that follow each other in the store
        {
            for (j = i + 1; j < _runs.Count && _runs[j].Start == _runs[j - 1].Start + _runs[j - 1].Values; j++) { }
            long start = _runs[i].Start, values = _runs[j - 1].Start + _runs[j - 1].Values - start;
            var copy = torch.empty(values, type, _weights.device).DetachFromDisposeScope();
            _copies.Add((start, values, copy));
            for (int k = i; k < j; k++)
            {
                var run = _runs[k];
                var cast = run.Alias.to(type).DetachFromDisposeScope(); // the node; its values are replaced by the standing copy's range
                using (torch.no_grad())
                {
                    using var range = copy.narrow(0, run.Start - start, run.Values);
                    using var shaped = range.view(run.Alias.shape);
                    cast.set_(shaped);
                }
                _pieces[k] = run.PieceRows.Length == 1 ? [cast] : [.. cast.split(run.PieceRows, 0).Select(p => p.DetachFromDisposeScope())];
                _graph.Add(cast);
            }
        }
    }

    /// <summary>The weights changed: the standing casts are refreshed before their next use.</summary>
    public void Invalidate() => _fresh = false;

    void Release()
    {
        ReleasePieces();
        foreach (var (_, _, copy) in _copies) copy.Dispose();
        (_type, _fresh) = (null, false);
        _copies.Clear();
    }

    /// <summary>Disposes the pieces, the members and the casts' nodes, never a run's alias (a piece of its own when the store is in the compute dtype).</summary>
    void ReleasePieces()
    {
        var aliases = _runs.Select(r => r.Alias).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var m in _members.Values) m.Dispose();
        foreach (var t in _pieces.SelectMany(p => p).Concat(_graph).Distinct(ReferenceEqualityComparer.Instance).Where(t => !aliases.Contains(t)).Cast<Tensor>()) t.Dispose();
        _pieces = [];
        _members.Clear();
        _graph.Clear();
    }

    public void Dispose()
    {
        Release();
        foreach (var run in _runs)
        {
            run.Alias.grad?.Dispose();
            run.Alias.Dispose();
        }
        _runs.Clear();
        _at.Clear();
        _weights.Dispose();
    }
}

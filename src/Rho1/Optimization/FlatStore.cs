// One contiguous store per role (issue 35): every parameter re-pointed (set_) to a view of one buffer of weights,
// and its gradient to a view of a second, so that what runs over all of them (the AdamW update, zeroing, scaling) is a
// fixed number of libtorch calls per buffer, not per tensor. Matrices (rank >= 2, weight-decayed) come first and vectors
// (norm weights, not decayed) after: decay is one range. The module keeps its Parameter objects, names and shapes;
// autograd accumulates into the gradient views in place, and anything that copies into a parameter writes the store.
// The store has the parameters' dtype: fp32 masters, or (train.zero=2) the compute dtype of working weights whose fp32
// masters are sharded elsewhere (MasterWeights).
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Optimization;

/// <param name="Offset">Where the tensor starts in the store, in values.</param>
public sealed record FlatEntry(string Name, Parameter Param, long Offset, long Length, bool Decay);

public sealed class FlatStore : IDisposable
{
    readonly Tensor[] _gradViews;
    readonly Dictionary<object, FlatEntry> _byParameter;

    /// <summary>Every weight, in Entries' order, in the parameters' dtype (P).</summary>
    public Tensor Weights { get; }
    /// <summary>Every gradient, in the same order (P); zeroed as one.</summary>
    public Tensor Gradients { get; }
    /// <summary>Weights followed by zeros up to the capacity asked for (ZeRO-1's whole buckets); Weights is a view of it.</summary>
    public Tensor PaddedWeights { get; }
    /// <summary>Gradients followed by zeros up to the capacity; Gradients is a view of it.</summary>
    public Tensor PaddedGradients { get; }
    /// <summary>The parameters, decayed ones first, each with its range.</summary>
    public IReadOnlyList<FlatEntry> Entries { get; }
    /// <summary>The same entries in the order they were given: what sums over tensors (the clipping norm) and checkpoints follow.</summary>
    public IReadOnlyList<FlatEntry> InGivenOrder { get; }
    /// <summary>Values of the decayed parameters, which fill [0, DecayedLength).</summary>
    public long DecayedLength { get; }
    public long Length => Weights.numel();

    /// <summary>Moves <paramref name="parameters"/> (one floating dtype, one device) into the store, values kept; their gradients become zeroed views.</summary>
    /// <param name="capacity">Given the values P, the length of the padded buffers (at least P); P when null.</param>
    public FlatStore(IEnumerable<(string Name, Parameter Param)> parameters, Func<long, long>? capacity = null)
    {
        var list = parameters.ToList();
        var device = list.Count > 0 ? list[0].Param.device : torch.CPU;
        var dtype = list.Count > 0 ? list[0].Param.dtype : ScalarType.Float32;
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float64))
            throw new ArgumentException($"parameters of {dtype}: the store holds floating-point values", nameof(parameters));
        foreach (var (name, p) in list)
            if (p.dtype != dtype || p.device.type != device.type || p.device.index != device.index)
                throw new ArgumentException($"parameter {name} is {p.dtype} on {p.device}; the store holds {dtype} on {device}", nameof(parameters));
        var entries = Lay(list);
        long offset = entries.Sum(e => e.Length);
        Entries = entries;
        _byParameter = entries.ToDictionary(e => (object)e.Param, ReferenceEqualityComparer.Instance);
        InGivenOrder = [.. list.Select(p => _byParameter[p.Param])];
        DecayedLength = entries.Where(e => e.Decay).Sum(e => e.Length);
        long padded = capacity?.Invoke(offset) ?? offset;
        if (padded < offset) throw new ArgumentOutOfRangeException(nameof(capacity), $"a capacity of {padded} values is below the {offset} of the parameters");
        PaddedWeights = torch.zeros(padded, dtype, device);
        PaddedGradients = torch.zeros(padded, dtype, device);
        Weights = PaddedWeights.narrow(0, 0, offset);
        Gradients = PaddedGradients.narrow(0, 0, offset);
        _gradViews = new Tensor[entries.Count];
        using var noGrad = torch.no_grad();
        for (int i = 0; i < entries.Count; i++)
        {
            var p = entries[i].Param;
            using var weight = View(Weights, entries[i]);
            weight.copy_(p);
            p.set_(weight);
            _gradViews[i] = View(Gradients, entries[i]);
            p.grad = _gradViews[i];
        }
    }

    /// <summary>Where <paramref name="parameter"/> starts in the store, in values; null if it is not in it.</summary>
    public long? OffsetOf(Parameter parameter) => _byParameter.TryGetValue(parameter, out var e) ? e.Offset : null;

    /// <summary>Where each of <paramref name="parameters"/> goes in a store of them: matrices (decayed) first, then vectors, each group in the order given.</summary>
    public static List<FlatEntry> Lay(IReadOnlyList<(string Name, Parameter Param)> parameters)
    {
        var entries = new List<FlatEntry>(parameters.Count);
        long offset = 0;
        foreach (var (name, p) in parameters.Where(p => p.Param.dim() >= 2).Concat(parameters.Where(p => p.Param.dim() < 2)))
        {
            entries.Add(new FlatEntry(name, p, offset, p.numel(), p.dim() >= 2));
            offset += p.numel();
        }
        return entries;
    }

    /// <summary>The range of <paramref name="entry"/> in <paramref name="flat"/> (a buffer laid out as this store), in the parameter's shape.</summary>
    public static Tensor View(Tensor flat, FlatEntry entry) => flat.narrow(0, entry.Offset, entry.Length).view(entry.Param.shape);

    public void Dispose()
    {
        foreach (var g in _gradViews) g.Dispose();
        Gradients.Dispose();
        Weights.Dispose();
        PaddedGradients.Dispose();
        PaddedWeights.Dispose();
    }
}

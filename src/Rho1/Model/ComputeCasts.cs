// Weights cast to the compute dtype once and reused until they change, as autocast caches its casts: a bf16
// model casts each fp32 master weight once per optimizer step instead of once per micro-batch, and a frozen
// model (an online reference) once for its life. Casts made with gradient enabled are kept apart from casts
// made without, so an evaluation's casts never stand in for a training forward's.
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Model;

public sealed class ComputeCasts : IDisposable
{
    readonly Dictionary<(IntPtr Weight, bool Grad), Tensor> _cache = [];
    ScalarType _computeType = ScalarType.Float32;

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

    /// <summary>Casts currently held (for tests and memory accounting).</summary>
    public int Count => _cache.Count;

    /// <summary><paramref name="weight"/> in the compute dtype: the weight itself in fp32, else a cached cast.</summary>
    public Tensor Of(Parameter weight)
    {
        if (weight.dtype == _computeType) return weight;
        var key = (weight.Handle, torch.is_grad_enabled());
        if (!_cache.TryGetValue(key, out var cast))
        {
            cast = weight.to(_computeType).DetachFromDisposeScope();
            _cache[key] = cast;
        }
        return cast;
    }

    /// <summary>Drops every cast: call whenever the weights change (an optimizer update, loaded weights, a move to another device).</summary>
    public void Invalidate()
    {
        foreach (var t in _cache.Values) t.Dispose();
        _cache.Clear();
    }

    public void Dispose() => Invalidate();
}

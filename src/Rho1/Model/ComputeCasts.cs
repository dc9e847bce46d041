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

    /// <summary>
    /// While set, a cast asked for without gradient is made (and kept) with it: a checkpointed block's forward runs without
    /// gradient and its recompute with, and one cast then serves both; otherwise every block weight would have a second
    /// bf16 copy (2 GB for tinyllama-1b, measured on an H200; 14 GB for a 7B model). A cast with gradient may serve a
    /// forward without (nothing is recorded there); the reverse never happens.
    /// </summary>
    public bool GradCastsWithoutGrad { get; set; }

    /// <summary><paramref name="weight"/> in the compute dtype: the weight itself in fp32, else a cached cast.</summary>
    public Tensor Of(Parameter weight)
    {
        if (weight.dtype == _computeType) return weight;
        bool grad = torch.is_grad_enabled() || (GradCastsWithoutGrad && weight.requires_grad);
        var key = (weight.Handle, grad);
        if (!_cache.TryGetValue(key, out var cast))
        {
            using (torch.set_grad_enabled(grad))
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

// AdamW with decoupled weight decay and two groups: matrices (rank >= 2) are decayed, vectors (norm weights) are not.
// Written here rather than taken from TorchSharp so that its state is ours to checkpoint bit-exactly, and so the update
// stays on the device without host synchronisation. The parameters live in a FlatStore and the moments are flat too, so
// the update and the zeroing are a few calls per block of values however many tensors there are (issue 35); each value
// gets the same arithmetic as a per-tensor update, so the same bits. Checkpoints keep per-tensor names ("m.NAME").
using Rho1.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Optimization;

public sealed class AdamW : IOptimizer
{
    readonly FlatStore _store;
    readonly Tensor _m, _v; // first and second moments, flat fp32, laid out as the store
    readonly Tensor[] _mViews, _vViews; // per parameter, for checkpoints
    readonly double _beta1, _beta2, _eps, _weightDecay;
    readonly long _block; // values updated at a time (see BlockFor)

    long _step;
    Tensor? _deviceStep; // gated updates count on the device (fp64), so the host never learns whether one applied

    /// <summary>Completed update count (bias correction uses it). After gated updates, reading it waits for the device.</summary>
    public long Step => _deviceStep is null ? _step : (long)_deviceStep.item<double>();

    /// <summary>Takes the parameters into a FlatStore (their values kept, gradients zeroed views of one buffer).</summary>
    public AdamW(IEnumerable<(string Name, Parameter Param)> parameters, double beta1, double beta2, double eps, double weightDecay)
    {
        _store = new FlatStore(parameters);
        _m = torch.zeros_like(_store.Weights).DetachFromDisposeScope();
        _v = torch.zeros_like(_store.Weights).DetachFromDisposeScope();
        _mViews = [.. _store.InGivenOrder.Select(e => FlatStore.View(_m, e))];
        _vViews = [.. _store.InGivenOrder.Select(e => FlatStore.View(_v, e))];
        (_beta1, _beta2, _eps, _weightDecay) = (beta1, beta2, eps, weightDecay);
        _block = BlockFor(_store.Weights.device);
    }

    public IEnumerable<string> DecayedNames => _store.InGivenOrder.Where(e => e.Decay).Select(e => e.Name);

    public bool Sharded => false;

    /// <summary>Every gradient replaced by its mean over ranks (all-reduce of buckets that are views of the gradient buffer, in ReduceType on the wire).</summary>
    public double ReduceGradients(ICollectives world) => GradientBuckets.AllReduceMean(world, _store.Gradients, ReduceType);

    /// <summary>The dtype gradients travel in during the all-reduce (train.grad_reduce_dtype): Float32, or BFloat16 to halve the bytes.</summary>
    public ScalarType ReduceType { get; init; } = ScalarType.Float32;

    /// <summary>The norm summed tensor by tensor as before (the same bits as ZeRO-1's), the scaling one call over the store.</summary>
    public Tensor ClipGradients(double maxNorm) => GradientClipping.ClipGlobalNorm(_store.InGivenOrder.Select(e => e.Param), maxNorm, _store.Gradients);

    /// <summary>
    /// Values updated at a time: on a CPU a block whose five arrays (weights, gradient, moments, one temporary) stay in a
    /// core's cache, as a per-tensor loop over small tensors got for free (RHO1_ADAM_BLOCK overrides it, for benchmarks);
    /// on CUDA AdamStep's 4M, where fewer, larger kernels are what counts.
    /// </summary>
    static long BlockFor(Device device) => device.type == DeviceType.CUDA ? AdamStep.BlockElements
        : long.TryParse(Environment.GetEnvironmentVariable("RHO1_ADAM_BLOCK"), out long b) && b > 0 ? b : CpuBlockElements;

    /// <summary>256K values: 1 MB per array, a block's five arrays well within a CPU's L3 (few calls per MB, each on cached data).</summary>
    public const long CpuBlockElements = 256L << 10;

    /// <summary>The two ranges of the store: decayed, then not.</summary>
    IEnumerable<(long Start, long Length, bool Decay)> Ranges =>
        new[] { (0L, _store.DecayedLength, true), (_store.DecayedLength, _store.Length - _store.DecayedLength, false) }.Where(r => r.Item2 > 0);

    /// <summary>One update with learning rate <paramref name="lr"/>.</summary>
    public void Update(double lr)
    {
        SettleStep();
        using var step = new AdamStep(lr, _beta1, _beta2, _eps, _weightDecay, ++_step);
        using var noGrad = torch.no_grad();
        foreach (var (start, length, decay) in Ranges)
        {
            using var p = _store.Weights.narrow(0, start, length);
            using var g = _store.Gradients.narrow(0, start, length);
            using var m = _m.narrow(0, start, length);
            using var v = _v.narrow(0, start, length);
            step.Apply(p, g, m, v, decay, _block);
        }
    }

    /// <summary>
    /// One update that applies only where <paramref name="apply"/> (a 0-dim bool tensor on the parameters' device) is
    /// true, decided on the device: a skipped update leaves parameters, moments and the step count exactly as they
    /// were, and nothing is read back to the host. The arithmetic is the same as Update's up to rounding.
    /// </summary>
    public void Update(double lr, Tensor apply)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var device = _store.Weights.device;
        _deviceStep ??= torch.zeros(Array.Empty<long>(), ScalarType.Float64, device).add_(_step).DetachFromDisposeScope();
        var k64 = apply.to(ScalarType.Float64);
        _deviceStep.add_(k64);
        // Bias corrections from the device count; a count of 0 (nothing applied yet) only meets k = 0 below.
        var bc1 = BiasCorrection(_beta1, _deviceStep);
        var bc2 = BiasCorrection(_beta2, _deviceStep);
        var k = apply.to(ScalarType.Float32);
        var stepSize = (k64 * -lr / bc1).to(ScalarType.Float32);
        var invSqrtBc2 = bc2.rsqrt().to(ScalarType.Float32);
        var keepM = 1 - k * (1 - _beta1);
        var keepV = 1 - k * (1 - _beta2);
        var decayFactor = 1 - k * (lr * _weightDecay);
        var zero = torch.zeros(1, device: device);
        var (k1, k2) = (k * (1 - _beta1), k * (1 - _beta2));
        foreach (var (start, length, decay) in Ranges)
            foreach (var (offset, n) in AdamStep.Blocks(length, _block))
            {
                // One block's temporaries at a time, however large the model.
                using var perBlock = torch.NewDisposeScope();
                var (p, grad) = (_store.Weights.narrow(0, start + offset, n), _store.Gradients.narrow(0, start + offset, n));
                var (m, v) = (_m.narrow(0, start + offset, n), _v.narrow(0, start + offset, n));
                var g = torch.where(apply, grad, zero); // a NaN gradient must not reach the moments even times zero
                if (decay && _weightDecay > 0)
                    p.mul_(decayFactor);
                m.mul_(keepM).add_(g * k1);
                v.mul_(keepV).add_(g.mul(g).mul_(k2));
                var denom = v.sqrt().mul_(invSqrtBc2).add_(_eps);
                p.add_(m.div(denom).mul_(stepSize));
            }
    }

    /// <summary>1 − β^step on the device (β = 0: 1), kept away from 0 for a step count of 0, which only meets a skipped update.</summary>
    static Tensor BiasCorrection(double beta, Tensor step) =>
        beta == 0 ? torch.ones_like(step) : (1 - (step * Math.Log(beta)).exp()).clamp_min(1e-30); // 1e-30: its inverse root still fits fp32

    /// <summary>Brings the host count up to date after gated updates (one read), before a host-decided update or a save.</summary>
    void SettleStep()
    {
        if (_deviceStep is null) return;
        _step = (long)_deviceStep.item<double>();
        _deviceStep.Dispose();
        _deviceStep = null;
    }

    /// <summary>Every gradient to zero: one call over the store.</summary>
    public void ZeroGrad() => _store.Gradients.zero_();

    /// <summary>Named state tensors for checkpointing (moments, per parameter).</summary>
    public IEnumerable<(string Name, Tensor Tensor)> State()
    {
        for (int i = 0; i < _store.InGivenOrder.Count; i++)
        {
            yield return ($"m.{_store.InGivenOrder[i].Name}", _mViews[i]);
            yield return ($"v.{_store.InGivenOrder[i].Name}", _vViews[i]);
        }
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> state, long step)
    {
        using var noGrad = torch.no_grad();
        for (int i = 0; i < _store.InGivenOrder.Count; i++)
        {
            foreach (var (prefix, dst) in new[] { ("m.", _mViews[i]), ("v.", _vViews[i]) })
            {
                string key = prefix + _store.InGivenOrder[i].Name;
                if (!state.TryGetValue(key, out var src))
                    throw new InvalidDataException($"optimizer state lacks '{key}'");
                if (!src.shape.SequenceEqual(dst.shape))
                    throw new InvalidDataException($"optimizer state '{key}' has shape [{string.Join(",", src.shape)}], expected [{string.Join(",", dst.shape)}]");
                dst.copy_(src);
            }
        }
        _deviceStep?.Dispose();
        _deviceStep = null;
        _step = step;
    }

    public void Dispose()
    {
        _deviceStep?.Dispose();
        foreach (var t in _mViews.Concat(_vViews)) t.Dispose();
        _m.Dispose();
        _v.Dispose();
        _store.Dispose();
    }
}

// AdamW with decoupled weight decay and two groups: matrices (rank >= 2) are decayed, vectors (norm
// weights) are not. Written here rather than taken from TorchSharp so that its state is ours to checkpoint
// bit-exactly, and so the update stays on the device without host synchronisation.
using Rho1.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Optimization;

public sealed class AdamW : IOptimizer
{
    readonly (string Name, Parameter Param, bool Decay)[] _params;
    readonly Tensor[] _m, _v; // first and second moments, fp32, same device as the parameter
    readonly double _beta1, _beta2, _eps, _weightDecay;

    long _step;
    Tensor? _deviceStep; // gated updates count on the device (fp64), so the host never learns whether one applied

    /// <summary>Completed update count (bias correction uses it). After gated updates, reading it waits for the device.</summary>
    public long Step => _deviceStep is null ? _step : (long)_deviceStep.item<double>();

    public AdamW(IEnumerable<(string Name, Parameter Param)> parameters, double beta1, double beta2, double eps, double weightDecay)
    {
        _params = parameters.Select(p => (p.Name, p.Param, p.Param.dim() >= 2)).ToArray();
        _m = _params.Select(p => torch.zeros_like(p.Param).DetachFromDisposeScope()).ToArray();
        _v = _params.Select(p => torch.zeros_like(p.Param).DetachFromDisposeScope()).ToArray();
        (_beta1, _beta2, _eps, _weightDecay) = (beta1, beta2, eps, weightDecay);
    }

    public IEnumerable<string> DecayedNames => _params.Where(p => p.Decay).Select(p => p.Name);

    public bool Sharded => false;

    /// <summary>Every gradient replaced by its mean over ranks (bucketed all-reduce, in ReduceType on the wire).</summary>
    public double ReduceGradients(ICollectives world) => GradientBuckets.AllReduceMean(world, [.. _params.Select(p => (Tensor)p.Param)], ReduceType);

    /// <summary>The dtype gradients travel in during the all-reduce (train.grad_reduce_dtype): Float32, or BFloat16 to halve the bytes.</summary>
    public ScalarType ReduceType { get; init; } = ScalarType.Float32;

    public Tensor ClipGradients(double maxNorm) => GradientClipping.ClipGlobalNorm(_params.Select(p => p.Param), maxNorm);

    /// <summary>One update with learning rate <paramref name="lr"/>; parameters without a gradient are skipped.</summary>
    public void Update(double lr)
    {
        SettleStep();
        using var step = new AdamStep(lr, _beta1, _beta2, _eps, _weightDecay, ++_step);
        using var noGrad = torch.no_grad();
        for (int i = 0; i < _params.Length; i++)
        {
            var (_, p, decay) = _params[i];
            if (p.grad is { } g)
                step.Apply(p, g, _m[i], _v[i], decay);
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
        var device = _params.Length > 0 ? _params[0].Param.device : torch.CPU;
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
        for (int i = 0; i < _params.Length; i++)
        {
            var (_, p, decay) = _params[i];
            if (p.grad is not { } grad) continue;
            // One parameter's temporaries at a time: kept to the end of the update they were 32 bytes per parameter
            // at once (35 GB for tinyllama-1b, the peak of its CUDA run once checkpointing had shrunk the activations).
            using var perParameter = torch.NewDisposeScope();
            var g = torch.where(apply, grad, zero); // a NaN gradient must not reach the moments even times zero
            if (decay && _weightDecay > 0)
                p.mul_(decayFactor);
            _m[i].mul_(keepM).add_(g * k1);
            _v[i].mul_(keepV).add_(g.mul(g).mul_(k2));
            var denom = _v[i].sqrt().mul_(invSqrtBc2).add_(_eps);
            p.add_(_m[i].div(denom).mul_(stepSize));
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

    public void ZeroGrad()
    {
        foreach (var (_, p, _) in _params)
            p.grad?.zero_();
    }

    /// <summary>Named state tensors for checkpointing (moments, plus the step as a one-element tensor).</summary>
    public IEnumerable<(string Name, Tensor Tensor)> State()
    {
        for (int i = 0; i < _params.Length; i++)
        {
            yield return ($"m.{_params[i].Name}", _m[i]);
            yield return ($"v.{_params[i].Name}", _v[i]);
        }
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> state, long step)
    {
        using var noGrad = torch.no_grad();
        for (int i = 0; i < _params.Length; i++)
        {
            foreach (var (prefix, dst) in new[] { ("m.", _m[i]), ("v.", _v[i]) })
            {
                string key = prefix + _params[i].Name;
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
        foreach (var t in _m.Concat(_v)) t.Dispose();
    }
}

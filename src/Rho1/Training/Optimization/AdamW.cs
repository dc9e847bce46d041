// AdamW with decoupled weight decay and two groups: matrices (rank >= 2) are decayed, vectors (norm
// weights) are not. Written here rather than taken from TorchSharp so that its state is ours to checkpoint
// bit-exactly, and so the update stays on the device without host synchronisation.
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Training.Optimization;

public sealed class AdamW : IDisposable
{
    readonly (string Name, Parameter Param, bool Decay)[] _params;
    readonly Tensor[] _m, _v; // first and second moments, fp32, same device as the parameter
    readonly double _beta1, _beta2, _eps, _weightDecay;

    /// <summary>Completed update count (bias correction uses it).</summary>
    public long Step { get; private set; }

    public AdamW(IEnumerable<(string Name, Parameter Param)> parameters, double beta1, double beta2, double eps, double weightDecay)
    {
        _params = parameters.Select(p => (p.Name, p.Param, p.Param.dim() >= 2)).ToArray();
        _m = _params.Select(p => torch.zeros_like(p.Param).DetachFromDisposeScope()).ToArray();
        _v = _params.Select(p => torch.zeros_like(p.Param).DetachFromDisposeScope()).ToArray();
        (_beta1, _beta2, _eps, _weightDecay) = (beta1, beta2, eps, weightDecay);
    }

    public IEnumerable<string> DecayedNames => _params.Where(p => p.Decay).Select(p => p.Name);

    /// <summary>One update with learning rate <paramref name="lr"/>; parameters without a gradient are skipped.</summary>
    public void Update(double lr)
    {
        Step++;
        double bc1 = 1 - Math.Pow(_beta1, Step), bc2 = 1 - Math.Pow(_beta2, Step);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        for (int i = 0; i < _params.Length; i++)
        {
            var (_, p, decay) = _params[i];
            var g = p.grad;
            if (g is null) continue;
            if (decay && _weightDecay > 0)
                p.mul_(1 - lr * _weightDecay);
            _m[i].mul_(_beta1).add_(g, alpha: 1 - _beta1);
            _v[i].mul_(_beta2).addcmul_(g, g, value: 1 - _beta2);
            var denom = (_v[i].sqrt() / Math.Sqrt(bc2)).add_(_eps);
            p.addcdiv_(_m[i], denom, value: -lr / bc1);
        }
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
        Step = step;
    }

    public void Dispose()
    {
        foreach (var t in _m.Concat(_v)) t.Dispose();
    }
}

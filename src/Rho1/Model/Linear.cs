// Projection (bias-free unless asked: Qwen2's q/k/v), the explicit replacement for autocast: the input is cast to the compute dtype and the
// fp32 master weight is taken from the shared cast cache, so matmuls run in bf16 while gradients flow back to
// fp32 weights through the cast.
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using Rho1.Model.Runtime;

namespace Rho1.Model;

public sealed class Linear : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] readonly Parameter _weight; // (out, in)
    [ComponentName(Name = "bias")] readonly Parameter? _bias;    // (out), or null
    readonly ComputeCasts _casts;

    public Linear(int inFeatures, int outFeatures, ComputeCasts casts, bool bias = false) : base(nameof(Linear))
    {
        _weight = new Parameter(torch.empty(outFeatures, inFeatures));
        _bias = bias ? new Parameter(torch.zeros(outFeatures)) : null;
        _casts = casts;
        RegisterComponents();
    }

    public Parameter Weight => _weight;
    public Parameter? Bias => _bias;

    /// <summary>x (…, in) in any float dtype → (…, out) in the compute dtype.</summary>
    public override Tensor forward(Tensor x) =>
        nn.functional.linear(x.to(_casts.ComputeType), _casts.Of(_weight), _bias is null ? null : _casts.Of(_bias));
}

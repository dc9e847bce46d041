// Bias-free projection whose fp32 master weight is cast to the input's dtype on every call: this is the
// explicit replacement for autocast (bf16 compute, fp32 weights, fp32 gradients through the cast).
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Rho1.Model;

public sealed class Linear : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] readonly Parameter _weight; // (out, in)

    public Linear(int inFeatures, int outFeatures) : base(nameof(Linear))
    {
        _weight = new Parameter(torch.empty(outFeatures, inFeatures));
        RegisterComponents();
    }

    public Parameter Weight => _weight;

    public override Tensor forward(Tensor x) => nn.functional.linear(x, _weight.to(x.dtype), null);
}

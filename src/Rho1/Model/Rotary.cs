// Rotary position embeddings in the "rotate half" layout that Hugging Face Llama uses, so exported q/k
// weights need no permutation. Tables are plain tensors kept outside the state dict (they are derived).
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Model;

public sealed class Rotary
{
    Tensor _cos, _sin; // (T_max, HD) each, fp32

    public Rotary(int headDim, int maxLength, double theta)
    {
        var inv = torch.pow(theta, -torch.arange(0, headDim, 2, dtype: ScalarType.Float64) / headDim); // (HD/2)
        var angles = torch.outer(torch.arange(maxLength, dtype: ScalarType.Float64), inv);           // (T_max, HD/2)
        var full = torch.cat(new[] { angles, angles }, 1);                                             // (T_max, HD)
        _cos = full.cos().to(ScalarType.Float32).DetachFromDisposeScope();
        _sin = full.sin().to(ScalarType.Float32).DetachFromDisposeScope();
    }

    /// <summary>Rotates x of shape (B, NH, T, HD) by the positions 0..T-1.</summary>
    public Tensor Apply(Tensor x)
    {
        long t = x.shape[2];
        if (_cos.device != x.device)
        {
            _cos = _cos.to(x.device).DetachFromDisposeScope();
            _sin = _sin.to(x.device).DetachFromDisposeScope();
        }
        var cos = _cos.narrow(0, 0, t).to(x.dtype); // (T, HD) broadcast over (B, NH)
        var sin = _sin.narrow(0, 0, t).to(x.dtype);
        long half = x.shape[3] / 2;
        var rotated = torch.cat(new[] { -x.narrow(3, half, half), x.narrow(3, 0, half) }, 3);
        return x * cos + rotated * sin;
    }
}

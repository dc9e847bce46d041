// Rotary position embeddings in the "rotate half" layout that Hugging Face Llama uses, so exported q/k
// weights need no permutation. Tables are plain tensors kept outside the state dict (they are derived), made
// once in fp32 on the CPU and cached per device and dtype, so no call of any layer moves or recasts them.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Model;

public sealed class Rotary : IDisposable
{
    readonly Tensor _cos, _sin; // (T_max, HD) each, fp32, CPU
    readonly Dictionary<(DeviceType, int, ScalarType), (Tensor Cos, Tensor Sin)> _tables = [];

    public Rotary(int headDim, int maxLength, double theta, RopeScaling? scaling = null)
    {
        using var scope = torch.NewDisposeScope();
        using Scalar zero = 0.ToScalar(), width = headDim.ToScalar(), two = 2.ToScalar(), length = maxLength.ToScalar(); // held (HeldScalars.cs)
        var inv = torch.pow(torch.tensor(theta), torch.arange(zero, width, two, dtype: ScalarType.Float64).neg().div(width)); // (HD/2)
        if (scaling != null)
            inv = torch.tensor(inv.data<double>().ToArray().Select(scaling.Apply).ToArray());
        var angles = torch.outer(torch.arange(zero, length, HeldScalars.One, dtype: ScalarType.Float64), inv);               // (T_max, HD/2)
        var full = torch.cat(new[] { angles, angles }, 1);                                             // (T_max, HD)
        _cos = full.cos().to(ScalarType.Float32).DetachFromDisposeScope();
        _sin = full.sin().to(ScalarType.Float32).DetachFromDisposeScope();
        _tables[(DeviceType.CPU, -1, ScalarType.Float32)] = (_cos, _sin);
    }

    /// <summary>The (T_max, HD) cos and sin tables on <paramref name="device"/> in <paramref name="dtype"/>, made on first use.</summary>
    public (Tensor Cos, Tensor Sin) Tables(Device device, ScalarType dtype)
    {
        var key = (device.type, device.type == DeviceType.CPU ? -1 : Math.Max(0, device.index), dtype);
        if (!_tables.TryGetValue(key, out var tables))
        {
            tables = (_cos.to(dtype, device).DetachFromDisposeScope(), _sin.to(dtype, device).DetachFromDisposeScope());
            _tables[key] = tables;
        }
        return tables;
    }

    /// <summary>Rotates x of shape (B, NH, T, HD) by the positions 0..T-1.</summary>
    public Tensor Apply(Tensor x)
    {
        long t = x.shape[2];
        var (cosTable, sinTable) = Tables(x.device, x.dtype);
        return Rotate(x, cosTable.narrow(0, 0, t), sinTable.narrow(0, 0, t)); // (T, HD) broadcast over (B, NH)
    }

    /// <summary>Rotates x of shape (B, NH, 1, HD), row b by position <paramref name="positions"/>[b] (a (B) int64 tensor): cached decoding.</summary>
    public Tensor ApplyAt(Tensor x, Tensor positions)
    {
        var (cosTable, sinTable) = Tables(x.device, x.dtype);
        long b = x.shape[0], hd = x.shape[3];
        return Rotate(x, cosTable.index_select(0, positions).view(b, 1, 1, hd), sinTable.index_select(0, positions).view(b, 1, 1, hd)); // (B, 1, 1, HD) broadcast over the heads
    }

    /// <summary>x·cos + rotate_half(x)·sin, the tables broadcast against x's last dimension.</summary>
    static Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.shape[3] / 2;
        var rotated = torch.cat(new[] { -x.narrow(3, half, half), x.narrow(3, 0, half) }, 3);
        return (x * cos).add(rotated * sin, HeldScalars.One); // alpha held: see HeldScalars
    }

    public void Dispose()
    {
        foreach (var (cos, sin) in _tables.Values)
        {
            cos.Dispose();
            sin.Dispose();
        }
        _tables.Clear();
    }
}

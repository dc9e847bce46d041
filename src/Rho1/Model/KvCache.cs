// Keys and values of every position generated so far, per layer, for cached decoding (issue 37): a prompt is run once
// (its rotated keys and values stored), then each new position attends to the stored ones instead of rerunning the
// whole sequence. Rows of a batch keep their own positions (prompts of different lengths), so writes and the
// attention mask are per row. Dimensions: B rows, NKV key/value heads, T_max positions, HD head size.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Model;

/// <summary>One layer's keys and values, (B, NKV, T_max, HD) each, in the compute dtype.</summary>
public sealed class KvLayer(Tensor keys, Tensor values) : IDisposable
{
    public Tensor Keys { get; } = keys;
    public Tensor Values { get; } = values;

    /// <summary>Stores <paramref name="k"/> and <paramref name="v"/> (B, NKV, T, HD) at positions 0 … T − 1 of every row.</summary>
    public void WritePrefix(Tensor k, Tensor v)
    {
        using var keys = Keys.narrow(2, 0, k.shape[2]);
        using var values = Values.narrow(2, 0, v.shape[2]);
        keys.copy_(k);
        values.copy_(v);
    }

    /// <summary>Stores one position per row: <paramref name="k"/> and <paramref name="v"/> (B, NKV, 1, HD) at row b's <paramref name="positions"/>[b].</summary>
    public void WriteAt(Tensor k, Tensor v, Tensor positions)
    {
        using var index = positions.view(-1, 1, 1, 1).expand(k.shape[0], k.shape[1], 1, k.shape[3]);
        Keys.scatter_(2, index, k);
        Values.scatter_(2, index, v);
    }

    public void Dispose()
    {
        Keys.Dispose();
        Values.Dispose();
    }
}

public sealed class KvCache : IDisposable
{
    readonly KvLayer[] _layers;

    /// <summary>Positions each row can hold (prompt and generated tokens together).</summary>
    public long Capacity { get; }

    public KvCache(ModelConfig config, long rows, long capacity, ScalarType dtype, Device device)
    {
        Capacity = capacity;
        long[] shape = [rows, config.EffectiveKvHeads, capacity, config.HeadDim];
        _layers = [.. Enumerable.Range(0, config.Layers).Select(_ =>
            new KvLayer(torch.zeros(shape, dtype, device).DetachFromDisposeScope(), torch.zeros(shape, dtype, device).DetachFromDisposeScope()))];
    }

    public KvLayer this[int layer] => _layers[layer];

    public void Dispose()
    {
        foreach (var layer in _layers) layer.Dispose();
    }
}

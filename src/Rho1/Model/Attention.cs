// Causal multi-head self-attention with rotary positions and optional grouped-query heads, through
// libtorch's scaled_dot_product_attention (whose causal flag TorchSharp spells `is_casual`).
// Dimensions: B batch, T time, C model width, NH query heads, NKV key/value heads, HD head size.
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Rho1.Model;

public sealed class Attention : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "q_proj")] readonly Linear _qProj;
    [ComponentName(Name = "k_proj")] readonly Linear _kProj;
    [ComponentName(Name = "v_proj")] readonly Linear _vProj;
    [ComponentName(Name = "o_proj")] readonly Linear _oProj;
    [ComponentName(Name = "q_norm")] readonly RmsNorm? _qNorm; // Qwen3: per-head norms of q and k before the rotation
    [ComponentName(Name = "k_norm")] readonly RmsNorm? _kNorm;
    readonly int _heads, _kvHeads, _headDim;
    readonly Rotary _rotary;
    readonly ComputeCasts _casts;

    public Attention(ModelConfig config, Rotary rotary, ComputeCasts casts) : base(nameof(Attention))
    {
        _heads = config.Heads;
        _kvHeads = config.EffectiveKvHeads;
        _headDim = config.HeadDim;
        _rotary = rotary;
        _casts = casts;
        _qProj = new Linear(config.Dim, _heads * _headDim, casts, config.QkvBias);
        _kProj = new Linear(config.Dim, _kvHeads * _headDim, casts, config.QkvBias);
        _vProj = new Linear(config.Dim, _kvHeads * _headDim, casts, config.QkvBias);
        _oProj = new Linear(_heads * _headDim, config.Dim, casts);
        if (config.QkNorm)
        {
            _qNorm = new RmsNorm(_headDim, config.NormEps);
            _kNorm = new RmsNorm(_headDim, config.NormEps);
        }
        RegisterComponents();
    }

    public Linear OutputProjection => _oProj;

    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary>Attention over positions 0 … T − 1 of x (B, T, C); with <paramref name="store"/>, their rotated keys and values are kept in it (a prompt before cached decoding).</summary>
    public Tensor Forward(Tensor x, KvLayer? store)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var qkv = FusedProjection.Apply([_qProj, _kProj, _vProj], _casts, x);
        var q = qkv[0].view(b, t, _heads, _headDim);   // (B, T, NH, HD)
        var k = qkv[1].view(b, t, _kvHeads, _headDim); // (B, T, NKV, HD)
        if (_qNorm != null && _kNorm != null)
        {
            q = _qNorm.forward(q);
            k = _kNorm.forward(k);
        }
        q = q.transpose(1, 2); // (B, NH, T, HD)
        k = k.transpose(1, 2); // (B, NKV, T, HD)
        var v = qkv[2].view(b, t, _kvHeads, _headDim).transpose(1, 2); // (B, NKV, T, HD)
        q = _rotary.Apply(q);
        k = _rotary.Apply(k);
        store?.WritePrefix(k, v);
        if (_kvHeads != _heads)
        {
            k = k.repeat_interleave(_heads / _kvHeads, dim: 1); // (B, NH, T, HD)
            v = v.repeat_interleave(_heads / _kvHeads, dim: 1);
        }
        var y = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true); // (B, NH, T, HD)
        y = y.transpose(1, 2).contiguous().view(b, t, _heads * _headDim);             // (B, T, C)
        return _oProj.forward(y).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One new position per row: x (B, 1, C) at row b's position <paramref name="positions"/>[b], attending to the positions
    /// <paramref name="visible"/> (B, 1, 1, T_max; true = attend) of <paramref name="cache"/>, into which its own key and value go first.
    /// </summary>
    public Tensor Decode(Tensor x, KvLayer cache, Tensor positions, Tensor visible)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.shape[0];
        var qkv = FusedProjection.Apply([_qProj, _kProj, _vProj], _casts, x);
        var q = qkv[0].view(b, 1, _heads, _headDim);
        var k = qkv[1].view(b, 1, _kvHeads, _headDim);
        if (_qNorm != null && _kNorm != null)
        {
            q = _qNorm.forward(q);
            k = _kNorm.forward(k);
        }
        q = _rotary.ApplyAt(q.transpose(1, 2), positions); // (B, NH, 1, HD)
        k = _rotary.ApplyAt(k.transpose(1, 2), positions); // (B, NKV, 1, HD)
        cache.WriteAt(k, qkv[2].view(b, 1, _kvHeads, _headDim).transpose(1, 2), positions);
        var (keys, values) = (cache.Keys, cache.Values); // (B, NKV, T_max, HD)
        if (_kvHeads != _heads)
        {
            keys = keys.repeat_interleave(_heads / _kvHeads, dim: 1);
            values = values.repeat_interleave(_heads / _kvHeads, dim: 1);
        }
        var y = nn.functional.scaled_dot_product_attention(q, keys, values, attn_mask: visible); // (B, NH, 1, HD)
        y = y.transpose(1, 2).contiguous().view(b, 1, _heads * _headDim);
        return _oProj.forward(y).MoveToOuterDisposeScope();
    }
}

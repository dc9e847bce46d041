// Causal multi-head self-attention with rotary positions and optional grouped-query heads, through
// libtorch's scaled_dot_product_attention (whose causal flag TorchSharp spells `is_casual`).
// Dimensions: B batch, T time, C model width, NH query heads, NKV key/value heads, HD head size.
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using Rho1.Model.Runtime;

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

    /// <summary>The weights the block multiplies, as CastRuns takes them: q, k and v as one piece (one fused matmul), o.</summary>
    public IEnumerable<IReadOnlyList<Parameter>> CastPieces => [[_qProj.Weight, _kProj.Weight, _vProj.Weight], [_oProj.Weight]];

    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary>Attention over positions 0 … T − 1 of x (B, T, C); with <paramref name="store"/>, their rotated keys and values are kept in it (a prompt before cached decoding).</summary>
    public Tensor Forward(Tensor x, KvLayer? store)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var (q, k, v) = Project(x);
        q = _rotary.Apply(q);
        k = _rotary.Apply(k);
        store?.WritePrefix(k, v);
        (k, v) = AllHeads(k, v); // (B, NH, T, HD)
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
        var (q, k, v) = Project(x);
        q = _rotary.ApplyAt(q, positions); // (B, NH, 1, HD)
        k = _rotary.ApplyAt(k, positions); // (B, NKV, 1, HD)
        cache.WriteAt(k, v, positions);
        var (keys, values) = AllHeads(cache.Keys, cache.Values); // (B, NH, T_max, HD)
        var y = nn.functional.scaled_dot_product_attention(q, keys, values, attn_mask: visible); // (B, NH, 1, HD)
        y = y.transpose(1, 2).contiguous().view(b, 1, _heads * _headDim);
        return _oProj.forward(y).MoveToOuterDisposeScope();
    }

    /// <summary>q (B, NH, T, HD), k and v (B, NKV, T, HD) of x (B, T, C), before rotation: one fused projection, Qwen3's q/k norms.</summary>
    (Tensor Q, Tensor K, Tensor V) Project(Tensor x)
    {
        long b = x.shape[0], t = x.shape[1];
        var qkv = FusedProjection.Apply([_qProj, _kProj, _vProj], _casts, x);
        var q = qkv[0].view(b, t, _heads, _headDim);   // (B, T, NH, HD)
        var k = qkv[1].view(b, t, _kvHeads, _headDim); // (B, T, NKV, HD)
        if (_qNorm != null && _kNorm != null)
        {
            q = _qNorm.forward(q);
            k = _kNorm.forward(k);
        }
        return (q.transpose(1, 2), k.transpose(1, 2), qkv[2].view(b, t, _kvHeads, _headDim).transpose(1, 2));
    }

    /// <summary>Keys and values repeated over the query heads that share them (grouped-query attention); as they are otherwise.</summary>
    (Tensor K, Tensor V) AllHeads(Tensor k, Tensor v) => _kvHeads == _heads ? (k, v)
        : (k.repeat_interleave(_heads / _kvHeads, dim: 1), v.repeat_interleave(_heads / _kvHeads, dim: 1));
}

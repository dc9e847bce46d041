// One pre-norm decoder block: x + attn(norm(x)), then + mlp(norm(x)). Names match Hugging Face Llama. The
// residual stream x stays fp32 (attention and MLP outputs in the compute dtype are promoted when added), as
// under PyTorch autocast.
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using Rho1.Model.Runtime;

namespace Rho1.Model;

public sealed class DecoderBlock : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "input_layernorm")] readonly RmsNorm _attentionNorm;
    [ComponentName(Name = "self_attn")] readonly Attention _attention;
    [ComponentName(Name = "post_attention_layernorm")] readonly RmsNorm _mlpNorm;
    [ComponentName(Name = "mlp")] readonly FeedForward _mlp;

    public DecoderBlock(ModelConfig config, Rotary rotary, ComputeCasts casts) : base(nameof(DecoderBlock))
    {
        _attentionNorm = new RmsNorm(config.Dim, config.NormEps);
        _attention = new Attention(config, rotary, casts);
        _mlpNorm = new RmsNorm(config.Dim, config.NormEps);
        _mlp = new FeedForward(config, casts);
        RegisterComponents();
    }

    public IEnumerable<Linear> ResidualProjections => new[] { _attention.OutputProjection, _mlp.DownProjection };

    /// <summary>The block's matrices in the order its forward multiplies them, fused parts as one piece (CastRuns).</summary>
    public IReadOnlyList<IReadOnlyList<Parameter>> CastPieces => [.. _attention.CastPieces, .. _mlp.CastPieces];

    public override Tensor forward(Tensor x) => Residual(x, _attention.forward);

    /// <summary>The block over a prompt, its keys and values kept in <paramref name="cache"/> (cached decoding).</summary>
    public Tensor Prefill(Tensor x, KvLayer cache) => Residual(x, n => _attention.Forward(n, cache));

    /// <summary>The block at one new position per row (see Attention.Decode).</summary>
    public Tensor Decode(Tensor x, KvLayer cache, Tensor positions, Tensor visible) => Residual(x, n => _attention.Decode(n, cache, positions, visible));

    Tensor Residual(Tensor x, Func<Tensor, Tensor> attend)
    {
        using var scope = torch.NewDisposeScope();
        var h = x.add(attend(_attentionNorm.forward(x)), HeldScalars.One); // alpha held: see HeldScalars
        return h.add(_mlp.forward(_mlpNorm.forward(h)), HeldScalars.One).MoveToOuterDisposeScope();
    }
}

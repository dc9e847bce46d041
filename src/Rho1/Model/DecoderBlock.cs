// One pre-norm decoder block: x + attn(norm(x)), then + mlp(norm(x)). Names match Hugging Face Llama. The
// residual stream x stays fp32 (attention and MLP outputs in the compute dtype are promoted when added), as
// under PyTorch autocast.
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

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

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var h = x.add(_attention.forward(_attentionNorm.forward(x)), HeldScalars.One); // alpha held: see HeldScalars
        return h.add(_mlp.forward(_mlpNorm.forward(h)), HeldScalars.One).MoveToOuterDisposeScope();
    }
}

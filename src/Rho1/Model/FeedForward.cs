// SwiGLU feed-forward block: down(silu(gate(x)) * up(x)), Llama's MLP. Dimensions: C width, F hidden.
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using Rho1.Model.Runtime;

namespace Rho1.Model;

public sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "gate_proj")] readonly Linear _gateProj;
    [ComponentName(Name = "up_proj")] readonly Linear _upProj;
    [ComponentName(Name = "down_proj")] readonly Linear _downProj;
    readonly ComputeCasts _casts;

    public FeedForward(ModelConfig config, ComputeCasts casts) : base(nameof(FeedForward))
    {
        _gateProj = new Linear(config.Dim, config.FfnDim, casts);
        _upProj = new Linear(config.Dim, config.FfnDim, casts);
        _downProj = new Linear(config.FfnDim, config.Dim, casts);
        _casts = casts;
        RegisterComponents();
    }

    public Linear DownProjection => _downProj;

    /// <summary>The weights the block multiplies, as CastRuns takes them: gate and up as one piece (one fused matmul), down.</summary>
    public IEnumerable<IReadOnlyList<Parameter>> CastPieces => [[_gateProj.Weight, _upProj.Weight], [_downProj.Weight]];

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var gateUp = FusedProjection.Apply([_gateProj, _upProj], _casts, x);
        var h = nn.functional.silu(gateUp[0]) * gateUp[1]; // (B, T, F)
        return _downProj.forward(h).MoveToOuterDisposeScope();
    }
}

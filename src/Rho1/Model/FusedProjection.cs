// Projections that read the same input as one matmul (issue 35): q, k and v of attention, gate and up of the MLP. Under
// a bf16 compute dtype their joined weight is one piece of the standing cast of the optimizer's store (CastRuns: the
// parts lie back to back there), under train.zero=2 a view of the bf16 store itself, and without a store their casts
// joined once per step (ComputeCasts.Joined); the output is split back into views, so the block issues one GEMM (and one
// in each direction of backward) where it issued two or three. The parameters stay separate tensors with their own
// names, so checkpoints, Hugging Face import and export, and the optimizer see no difference. In fp32 the projections
// run apart: the same matmuls keep fp32 runs bit-identical to earlier builds.
using TorchSharp;
using static TorchSharp.torch;
using Rho1.Model.Runtime;

namespace Rho1.Model;

internal static class FusedProjection
{
    /// <summary>Each of <paramref name="parts"/> applied to <paramref name="x"/> (…, in): (…, out_i) each, in the compute dtype.</summary>
    public static Tensor[] Apply(IReadOnlyList<Linear> parts, ComputeCasts casts, Tensor x)
    {
        var weight = casts.Joined([.. parts.Select(p => p.Weight)]);
        var bias = parts[0].Bias is null ? null : casts.Joined([.. parts.Select(p => p.Bias ?? throw new InvalidOperationException("fused parts differ in bias"))]);
        if (weight is null || (parts[0].Bias is not null && bias is null))
            return [.. parts.Select(p => p.forward(x))];
        using var joined = nn.functional.linear(x.to(casts.ComputeType), weight, bias); // (…, Σ out_i)
        return joined.split([.. parts.Select(p => p.Weight.shape[0])], dim: -1);
    }
}

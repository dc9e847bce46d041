// Where a training step gets L_ref, the reference model's per-token loss on the batch: computed online by
// running the reference forward, or gathered offline from a score file made once by `rho1 score`.
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using static TorchSharp.torch;

namespace Rho1.Reference;

public interface IReferenceLosses : IDisposable
{
    /// <summary>Reference loss (B, T), fp32, no gradient, on the batch's device, aligned with batch.Targets.</summary>
    Tensor Losses(Batch batch);

    /// <summary>FLOPs per trained token spent getting them (the online forward), for MFU.</summary>
    double FlopsPerToken { get; }

    JsonObject Describe();
}

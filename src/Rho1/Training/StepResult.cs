// What one optimizer step leaves for logging: its learning rate and device-side values, read only at log steps.
using static TorchSharp.torch;

namespace Rho1.Training;

/// <param name="MeanLoss">Mean token loss over the step's micro-batches, (1), on the device.</param>
/// <param name="GradNorm">Global gradient norm before clipping, 0-dim, on the device.</param>
/// <param name="Stats">The objective's statistics of the last micro-batch (empty unless it was a log step).</param>
public sealed record StepResult(double Lr, Tensor MeanLoss, Tensor GradNorm, IReadOnlyDictionary<string, Tensor> Stats);

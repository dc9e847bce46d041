// One micro-batch as the training step sees it: token ids on the device and where each row came from, so
// offline reference losses can be gathered for exactly these windows.
using static TorchSharp.torch;

namespace Rho1.Data.Batches;

/// <summary>Inputs and targets (B, T) int64 on the device, and each row's window start in the split.</summary>
public sealed record Batch(Tensor Inputs, Tensor Targets, long[] Starts);

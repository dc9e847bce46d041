// What an objective returns for one micro-batch: the scalar to backpropagate and statistics for the log.
using static TorchSharp.torch;

namespace Rho1.Training.Objectives;

/// <summary>The loss to backpropagate and named scalar statistics (0-dim tensors, not yet synchronised).</summary>
public sealed record ObjectiveOutput(Tensor Loss, IReadOnlyDictionary<string, Tensor> Stats);

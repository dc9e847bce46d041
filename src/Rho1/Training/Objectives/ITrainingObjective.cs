// The hook through which token selection plugs into the one training loop: given unreduced per-token
// losses of a micro-batch, return the scalar to backpropagate plus statistics (read only at log steps).
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using Rho1.Data.Reading;
using static TorchSharp.torch;

namespace Rho1.Training.Objectives;

public interface ITrainingObjective
{
    /// <summary>
    /// Called once at the start of optimizer step <paramref name="step"/>, before any forward pass of the step and outside
    /// any no-grad scope: the point where an objective may train something of its own (a refreshing reference).
    /// </summary>
    void BeginStep(int step) { }

    /// <summary>
    /// Reduces per-token losses (B, T), fp32 with grad, of micro-batch <paramref name="micro"/> (0-based) of optimizer step
    /// <paramref name="step"/>. Statistics are computed only when <paramref name="withStats"/> (the last micro-batch of a
    /// logged step): a quantile costs a sort.
    /// </summary>
    ObjectiveOutput Reduce(Tensor tokenLosses, Batch batch, int step, bool withStats, int micro = 0);

    /// <summary>
    /// Whether step <paramref name="step"/> ranks tokens across all its micro-batches (gradient accumulation): the trainer
    /// then calls PrepareStep with every micro-batch's losses before the first Reduce of the step.
    /// </summary>
    bool RanksWholeStep(int step) => false;

    /// <summary>Fixes the step's selection from its micro-batches and their per-token losses (B, T) computed without gradient.</summary>
    void PrepareStep(int step, IReadOnlyList<Batch> batches, IReadOnlyList<Tensor> tokenLosses) { }

    /// <summary>Data the objective trains something of its own on during the run (a refreshing reference's clean data), with the split it reads; null: none.</summary>
    (TokenDataset Data, string Split)? TrainsOwnModelOn => null;

    /// <summary>Extra forward FLOPs per trained token (an online reference model), for MFU.</summary>
    double ExtraFlopsPerToken { get; }

    /// <summary>What summary.json should say about the objective.</summary>
    JsonObject Describe();

    /// <summary>State that must survive a resume (e.g. a running threshold); null if none.</summary>
    JsonNode? SaveState();

    void LoadState(JsonNode? state);

    /// <summary>Tensors that must survive a resume (e.g. a reference that keeps training), stored beside the optimizer's.</summary>
    IEnumerable<(string Name, Tensor Tensor)> StateTensors() => [];

    /// <summary>Restores SaveState's state and StateTensors' tensors from checkpoint <paramref name="source"/>.</summary>
    void LoadState(JsonNode? state, IReadOnlyDictionary<string, Tensor> tensors, string source) => LoadState(state);
}

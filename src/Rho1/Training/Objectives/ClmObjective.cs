// Plain causal language modelling: the mean loss over every token. What `train-ref` trains with.
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using static TorchSharp.torch;

namespace Rho1.Training.Objectives;

public sealed class ClmObjective : ITrainingObjective
{
    public ObjectiveOutput Reduce(Tensor tokenLosses, Batch batch, int step, bool withStats, int micro = 0) =>
        new(tokenLosses.mean(), new Dictionary<string, Tensor>());

    public double ExtraFlopsPerToken => 0;

    public JsonObject Describe() => new() { ["objective"] = "clm" };

    public JsonNode? SaveState() => null;

    public void LoadState(JsonNode? state) { }
}

// Plain CLM with injected numerical faults, for the trainer's fault handling: at chosen steps (1-based) the
// loss is NaN, or the loss stays finite while its gradient is NaN (0 * d sqrt(z)/dz at z = 0).
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using Rho1.Training.Objectives;
using static TorchSharp.torch;

namespace Rho1.Tests.Training;

public sealed class FaultyObjective(Func<int, bool> nanLoss, Func<int, bool>? nanGradient = null) : ITrainingObjective
{
    public ObjectiveOutput Reduce(Tensor tokenLosses, Batch batch, int step, bool withStats, int micro = 0)
    {
        var loss = tokenLosses.mean();
        if (nanLoss(step + 1))
            loss = loss * double.NaN;
        else if (nanGradient?.Invoke(step + 1) == true)
        {
            var zero = loss - loss.detach(); // value 0, gradient 1
            loss = loss + 0.0 * zero.sqrt();  // value unchanged, gradient 0 * inf = NaN
        }
        return new ObjectiveOutput(loss, new Dictionary<string, Tensor>());
    }

    public double ExtraFlopsPerToken => 0;
    public JsonObject Describe() => new() { ["objective"] = "faulty-clm" };
    public JsonNode? SaveState() => null;
    public void LoadState(JsonNode? state) { }
}

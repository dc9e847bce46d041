// Gradient accumulation must cost time, not memory: nothing of a micro-batch may outlive its backward. Tensors
// a finished micro-batch left alive (its losses, the autograd nodes they hold) sat among the freed activations and
// kept glibc from reusing them, so peak RSS grew with train.grad_accum (issue 26; scripts/bench-memory.sh measures
// the bytes). Here the count of live tensors on the training thread is read as each micro-batch reaches the objective.
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using Rho1.Tests.Fixtures;
using Rho1.Training;
using Rho1.Training.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Training;

[Collection("synthetic")]
public class MicroBatchLifetimeTests(SyntheticData data)
{
    /// <summary>Plain CLM that records the thread's live tensor count when each micro-batch's losses arrive.</summary>
    sealed class CountingObjective : ITrainingObjective
    {
        public List<(int Step, int Micro, long Live)> Seen { get; } = [];

        public ObjectiveOutput Reduce(Tensor tokenLosses, Batch batch, int step, bool withStats, int micro = 0)
        {
            Seen.Add((step, micro, DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount));
            return new ObjectiveOutput(tokenLosses.mean(), new Dictionary<string, Tensor>());
        }

        public double ExtraFlopsPerToken => 0;
        public JsonObject Describe() => new() { ["objective"] = "clm" };
        public JsonNode? SaveState() => null;
        public void LoadState(JsonNode? state) { }
    }

    [Fact]
    public void Every_micro_batch_of_a_step_starts_with_as_many_live_tensors_as_the_first()
    {
        var objective = new CountingObjective();
        new Trainer(new TrainOptions(TinyRun.Config("train.steps=3", "train.grad_accum=4", "train.batch_size=4", "train.eval_every=0", "train.log_every=1"),
            data.Noisy, data.NewRunDir(), "cpu", TensorBoard: false), _ => objective).Run();
        Assert.Equal(12, objective.Seen.Count);
        foreach (var step in objective.Seen.GroupBy(s => s.Step))
        {
            long first = step.First().Live;
            Assert.All(step, s => Assert.True(s.Live == first, $"step {s.Step}, micro-batch {s.Micro}: {s.Live} live tensors against {first} at micro-batch 0"));
        }
        Assert.Equal([0, 1, 2, 3], objective.Seen.Where(s => s.Step == 1).Select(s => s.Micro)); // the index is the trainer's, not inferred
    }
}

// The objective that plugs selection into training: the kept share and normalisation, the running global
// threshold's long-run rate, the plain-training start, and state that survives a resume.
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using Rho1.Reference;
using Rho1.Tests.Fixtures;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Training.Objectives;

public class SelectiveObjectiveTests
{
    [Fact]
    public void Batch_mode_keeps_the_top_excess_tokens_and_averages_over_them()
    {
        var train = torch.tensor(new float[] { 5, 1, 4, 2, 3, 6, 1, 1 }, new long[] { 2, 4 });
        var reference = torch.tensor(new float[] { 1, 1, 1, 1, 1, 1, 1, 9 }, new long[] { 2, 4 });
        var objective = new SelectiveObjective(new SelectionConfig { Ratio = 0.5 }, new FixedReference(reference), 100, 1);
        var output = objective.Reduce(train, FixedReference.DummyBatch(2, 4), step: 0, withStats: true);
        // excess = 4,0,3,1,2,5,0,-8 -> top 4: 5 (idx5), 4 (idx0), 3 (idx2), 2 (idx4) -> losses 6,5,4,3
        Assert.Equal((6 + 5 + 4 + 3) / 4.0, output.Loss.item<float>(), 5);
        Assert.Equal(0.5, output.Stats["selected_fraction"].item<float>(), 6);
        Assert.Equal((1 + 2 + 1 + 1) / 4.0, output.Stats["loss_unselected"].item<float>(), 5);
        Assert.Equal(2.0, output.Stats["ref_loss"].item<float>(), 5);
    }

    [Fact]
    public void Ratio_one_and_steps_before_slm_start_are_the_plain_mean()
    {
        torch.manual_seed(3);
        var train = torch.rand(4, 8);
        var plain = train.mean().item<float>();
        var all = new SelectiveObjective(new SelectionConfig { Ratio = 1.0, Score = "loss" }, null, 10, 1);
        Assert.Equal(plain, all.Reduce(train, FixedReference.DummyBatch(4, 8), 0, withStats: true).Loss.item<float>());
        var late = new SelectiveObjective(new SelectionConfig { Ratio = 0.3, Score = "loss", SlmStart = 0.5 }, null, 10, 1);
        Assert.Equal(plain, late.Reduce(train, FixedReference.DummyBatch(4, 8), 4, withStats: true).Loss.item<float>());
        Assert.NotEqual(plain, late.Reduce(train, FixedReference.DummyBatch(4, 8), 5, withStats: true).Loss.item<float>());
    }

    [Fact]
    public void Global_threshold_keeps_close_to_k_over_many_steps()
    {
        var objective = new SelectiveObjective(new SelectionConfig { Ratio = 0.6, Select = "global", Score = "loss" }, null, 1000, 1);
        var generator = new Generator(5);
        double kept = 0;
        int steps = 300;
        for (int step = 0; step < steps; step++)
        {
            // Scores drift upward over time, as losses would change in training.
            var losses = torch.randn(new long[] { 4, 64 }, generator: generator) + step * 0.002;
            kept += objective.Reduce(losses, FixedReference.DummyBatch(4, 64), step, withStats: true).Stats["selected_fraction"].item<float>();
        }
        Assert.InRange(kept / steps, 0.55, 0.65);
    }

    [Fact]
    public void Global_threshold_survives_save_and_load()
    {
        var config = new SelectionConfig { Ratio = 0.5, Select = "global", Score = "loss" };
        var a = new SelectiveObjective(config, null, 100, 1);
        var g = new Generator(9);
        for (int s = 0; s < 5; s++) a.Reduce(torch.randn(new long[] { 2, 16 }, generator: g), FixedReference.DummyBatch(2, 16), s, withStats: true);
        var b = new SelectiveObjective(config, null, 100, 1);
        b.LoadState(JsonNode.Parse(a.SaveState()!.ToJsonString()));
        var next = torch.randn(new long[] { 2, 16 }, generator: g);
        Assert.Equal(a.Reduce(next, FixedReference.DummyBatch(2, 16), 5, withStats: false).Loss.item<float>(), b.Reduce(next, FixedReference.DummyBatch(2, 16), 5, withStats: true).Loss.item<float>());
    }

    [Theory]
    [InlineData("global", "excess")]
    [InlineData("batch", "random")]
    public void Steps_without_statistics_train_exactly_as_logged_ones(string select, string score)
    {
        // Statistics are skipped on steps that are not logged; the loss, the running threshold and the random
        // draws must not depend on whether they were computed.
        var config = new SelectionConfig { Ratio = 0.6, Select = select, Score = score };
        var reference = torch.rand(new long[] { 2, 16 }, generator: new Generator(2));
        var logged = new SelectiveObjective(config, new FixedReference(reference), 100, 1);
        var quiet = new SelectiveObjective(config, new FixedReference(reference), 100, 1);
        var g = new Generator(4);
        for (int step = 0; step < 12; step++)
        {
            var losses = torch.rand(new long[] { 2, 16 }, generator: g) * 3;
            var a = logged.Reduce(losses, FixedReference.DummyBatch(2, 16), step, withStats: true);
            var b = quiet.Reduce(losses, FixedReference.DummyBatch(2, 16), step, withStats: false);
            Assert.Equal(a.Loss.item<float>(), b.Loss.item<float>());
            Assert.Equal(score == "excess", a.Stats.ContainsKey("excess_p50")); // random selection never consults the reference
            Assert.Contains("selected_fraction", a.Stats.Keys);
            Assert.Empty(b.Stats);
        }
        Assert.Equal(logged.SaveState()?.ToJsonString(), quiet.SaveState()?.ToJsonString());
    }

    [Fact]
    public void Excess_without_a_reference_is_a_user_error() =>
        Assert.Contains("--ref", Assert.Throws<UserErrorException>(() => new SelectiveObjective(new SelectionConfig { Ratio = 0.6 }, null, 10, 1)).Message);

    [Theory]
    [InlineData("excess")]
    [InlineData("random")]
    public void Batch_mode_over_a_prepared_step_equals_one_batch_of_the_whole_step(string score)
    {
        var generator = new Generator(3);
        var train = torch.rand(new long[] { 4, 6 }, generator: generator) * 5;
        var reference = torch.rand(new long[] { 4, 6 }, generator: generator) * 5;
        var config = new SelectionConfig { Ratio = 0.3, Score = score };
        var whole = new SelectiveObjective(config, new FixedReference(reference), 100, 1).Reduce(train, FixedReference.DummyBatch(4, 6), 5, withStats: true);

        // Two micro-batches of two rows: the reference hands out its rows in order.
        var halves = new[] { reference.narrow(0, 0, 2), reference.narrow(0, 2, 2) };
        int next = 0;
        var split = new SelectiveObjective(config, new QueuedReference(() => halves[next++ % 2]), 100, 1);
        var batches = new[] { FixedReference.DummyBatch(2, 6), FixedReference.DummyBatch(2, 6) };
        var parts = new[] { train.narrow(0, 0, 2), train.narrow(0, 2, 2) };
        Assert.True(split.RanksWholeStep(5));
        split.PrepareStep(5, batches, parts);
        var first = split.Reduce(parts[0], batches[0], 5, withStats: false);
        var second = split.Reduce(parts[1], batches[1], 5, withStats: true, micro: 1);
        // The trainer backpropagates each part / 2: their mean is the step's loss.
        Assert.Equal(whole.Loss.item<float>(), (first.Loss.item<float>() + second.Loss.item<float>()) / 2, 5);
        foreach (var (name, value) in whole.Stats)
            Assert.Equal(value.item<float>(), second.Stats[name].item<float>(), 5);
        Assert.False(new SelectiveObjective(config with { Select = "sequence" }, new FixedReference(reference), 100, 1).RanksWholeStep(5));
    }

    sealed class QueuedReference(Func<Tensor> next) : IReferenceLosses
    {
        public Tensor Losses(Batch batch) => next();
        public double FlopsPerToken => 0;
        public JsonObject Describe() => new();
        public void Dispose() { }
    }

    [Theory]
    [InlineData(1.0, "excess", 0.0, 0)]   // plain training: never
    [InlineData(0.6, "excess", 0.5, 5)]   // only from slm_start (step 5 of 10) on
    [InlineData(0.6, "loss", 0.0, 0)]     // the score does not use it
    [InlineData(0.6, "random", 0.0, 0)]
    [InlineData(0.6, "ref", 0.0, 10)]
    public void The_reference_is_consulted_only_when_the_selection_uses_it(double ratio, string score, double slmStart, int calls)
    {
        int count = 0;
        var reference = torch.rand(2, 4);
        var objective = new SelectiveObjective(new SelectionConfig { Ratio = ratio, Score = score, SlmStart = slmStart },
            new QueuedReference(() => { count++; return reference; }), totalSteps: 10, seed: 1);
        for (int step = 0; step < 10; step++)
            objective.Reduce(torch.rand(2, 4), FixedReference.DummyBatch(2, 4), step, withStats: true);
        Assert.Equal(calls, count);
    }
}

// The objective with soft weights and ratio schedules: the schedule decides when selection starts and how many
// tokens count, soft weighting trains every token a little, and a run with either stopped and resumed equals an
// uninterrupted one (both are functions of the step and the batch, so a checkpoint carries all they need).
using Rho1.Data.Batches;
using Rho1.Selection;
using Rho1.Tests.Fixtures;
using Rho1.Training;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Training.Objectives;

[Collection("synthetic")]
public class SelectionVariantsTests(SyntheticData data)
{
    static readonly Batch NoBatch = new(torch.zeros(1), torch.zeros(1), []);

    [Fact]
    public void A_schedule_from_all_tokens_trains_plainly_first_then_keeps_fewer()
    {
        var config = new SelectionConfig { Ratio = 0.5, Score = "loss", RatioSchedule = "linear", RatioStart = 1.0 };
        var objective = new SelectiveObjective(config, null, totalSteps: 11, seed: 1);
        var losses = torch.rand([4, 16], generator: new Generator(2));
        Assert.Equal(losses.mean().item<float>(), objective.Reduce(losses, NoBatch, 0, withStats: false).Loss.item<float>()); // k = 1.0
        Assert.Equal(0.75, objective.RatioAt(5), 12);
        var stats = objective.Reduce(losses, NoBatch, 10, withStats: true).Stats; // last step: k = 0.5
        Assert.Equal(0.5f, stats["selected_fraction"].item<float>());
    }

    [Fact]
    public void Soft_weighting_gives_every_token_some_gradient_and_the_top_ones_most()
    {
        var config = new SelectionConfig { Ratio = 0.3, Score = "loss", Weighting = "soft", Temperature = 0.5 };
        var losses = torch.rand([4, 16], generator: new Generator(4)).requires_grad_(true);
        new SelectiveObjective(config, null, totalSteps: 10, seed: 1).Reduce(losses, NoBatch, 0, withStats: false).Loss.backward();
        var grad = losses.grad!;
        Assert.True(grad.min().item<float>() > 0, "a token got no gradient");
        // --score loss: the highest-loss token is the most weighted.
        Assert.Equal(losses.detach().argmax().item<long>(), grad.argmax().item<long>());
        Assert.Equal(1f, grad.sum().item<float>(), 5);
    }

    [Fact]
    public void Soft_weightings_selected_fraction_is_the_share_weighted_half_or_more_and_mean_weight_is_logged_apart()
    {
        var config = new SelectionConfig { Ratio = 0.3, Score = "loss", Weighting = "soft", Temperature = 0.5 };
        var losses = torch.rand([4, 16], generator: new Generator(5));
        var stats = new SelectiveObjective(config, null, totalSteps: 10, seed: 1).Reduce(losses, NoBatch, 0, withStats: true).Stats;
        var weights = SoftSelection.Weights(losses, TokenSelector.Cutoff(losses, 0.3), 0.5);
        float[] w = weights.data<float>().ToArray();
        Assert.Equal(w.Count(x => x >= 0.5f) / 64f, stats["selected_fraction"].item<float>(), 6);
        Assert.Equal(w.Average(), stats["mean_weight"].item<float>(), 5);
        Assert.Equal((int)Math.Ceiling(0.3 * 64), w.Count(x => x >= 0.5f)); // the top k% are the tokens weighted half or more
        Assert.False(new SelectiveObjective(config with { Weighting = "hard" }, null, 10, 1).Reduce(losses, NoBatch, 0, withStats: true).Stats.ContainsKey("mean_weight"));
    }

    [Theory]
    [InlineData("selection.weighting=soft", "selection.select=batch")]
    [InlineData("selection.weighting=soft", "selection.select=global")]
    [InlineData("selection.ratio_schedule=cosine", "selection.ratio_start=1.0")]
    public void A_run_stopped_and_resumed_equals_an_uninterrupted_one(string first, string second)
    {
        var config = TinyRun.Config("train.steps=16", "train.checkpoint_every=8", "train.eval_every=0", "train.log_every=2",
            "selection.ratio=0.5", "selection.score=loss", first, second);
        string straight = data.NewRunDir(), resumed = data.NewRunDir();
        ITrainingObjective Objective(TrainingSetup setup) => SelectiveObjective.For(setup, null, null);
        new Trainer(new TrainOptions(config, data.Noisy, straight, "cpu", TensorBoard: false), Objective).Run();
        var stopAt11 = new TrainOptions(config, data.Noisy, resumed, "cpu", TensorBoard: false) { AfterStep = s => { if (s == 11) throw new OperationCanceledException(); } };
        Assert.Throws<OperationCanceledException>(() => new Trainer(stopAt11, Objective).Run());
        new Trainer(new TrainOptions(config, data.Noisy, resumed, "cpu", Resume: "auto", TensorBoard: false), Objective).Run();
        Assert.Equal(TinyRun.Deterministic(TinyRun.Metrics(straight)), TinyRun.Deterministic(TinyRun.Metrics(resumed)));
        // The variant really ran: soft weighting gives fractional weights, a schedule starts at every token.
        var metrics = TinyRun.Metrics(straight);
        var fractions = metrics.Where(m => m.ContainsKey("selected_fraction")).Select(m => m["selected_fraction"]!.GetValue<double>()).ToList();
        if (first.Contains("schedule", StringComparison.Ordinal)) Assert.True(fractions[0] > 0.9 && fractions[^1] < 0.55, string.Join(",", fractions));
        else Assert.Contains(metrics, m => m["mean_weight"] is { } w && w.GetValue<double>() is not (0.5 or 1.0));
    }

    [Fact]
    public void A_schedule_that_ends_at_every_token_still_selects_and_needs_its_reference()
    {
        var config = new SelectionConfig { Ratio = 1.0, Score = "excess", RatioSchedule = "linear", RatioStart = 0.5 };
        Assert.True(config.NeedsReference);
        Assert.Contains("needs a reference", Assert.Throws<UserErrorException>(() => new SelectiveObjective(config, null, 10, 1)).Message);
        var loss = new SelectiveObjective(config with { Score = "loss" }, null, 10, 1);
        Assert.Equal("slm", loss.Describe()["objective"]!.GetValue<string>());
        Assert.Equal(0.5f, loss.Reduce(torch.rand([2, 8], generator: new Generator(1)), NoBatch, 0, withStats: true).Stats["selected_fraction"].item<float>());
    }

    [Theory]
    [InlineData("selection.weighting=smooth", "selection.weighting='smooth': must be hard or soft")]
    [InlineData("selection.temperature=0", "selection.temperature=0: must be a positive number")]
    [InlineData("selection.ratio_schedule=step", "selection.ratio_schedule='step': must be constant, linear or cosine")]
    [InlineData("selection.ratio_start=0", "selection.ratio_start=0: must be in (0, 1]")]
    public void Bad_values_are_refused_by_name(string setting, string message) =>
        Assert.Equal(message, Assert.Throws<UserErrorException>(() => TinyRun.Config("selection.ratio=0.5", setting).Selection.Validate()).Message);
}

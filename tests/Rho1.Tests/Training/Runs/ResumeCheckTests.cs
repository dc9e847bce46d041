// Resuming never changes a run silently: a changed setting is refused by name with both values, unless it is
// one that may change (the step budget upwards, the cadences) or the user allows it, and then the change is
// recorded with the step it took effect, in config.json and in the checkpoints.
using System.Text.Json.Nodes;
using Rho1.Reference;
using Rho1.Tests.Fixtures;
using Rho1.Training;
using Rho1.Training.Objectives;
using Rho1.Training.Runs;

namespace Rho1.Tests.Training.Runs;

[Collection("synthetic")]
public class ResumeCheckTests(SyntheticData data)
{
    string Interrupted(params string[] overrides)
    {
        string run = data.NewRunDir();
        var config = TinyRun.Config(["train.steps=4", "train.checkpoint_every=2", "train.eval_every=0", .. overrides]);
        new Trainer(new TrainOptions(config, data.Clean, run, "cpu", TensorBoard: false), _ => new ClmObjective()).Run();
        Directory.Delete(Path.Combine(run, "final"), recursive: true); // as if killed before the end: resumes at step 2
        return run;
    }

    static TrainSummary Resume(SyntheticData data, string run, string[] overrides, string[]? allow = null) =>
        new Trainer(new TrainOptions(TinyRun.Config(["train.checkpoint_every=2", "train.eval_every=0", .. overrides]), data.Clean, run, "cpu", Resume: "auto", TensorBoard: false)
        { AllowChange = allow ?? [] }, _ => new ClmObjective()).Run();

    [Fact]
    public void A_changed_learning_rate_is_refused_by_name_with_both_values_and_nothing_is_written()
    {
        string run = Interrupted();
        string before = File.ReadAllText(Path.Combine(run, "config.json"));
        var e = Assert.Throws<UserErrorException>(() => Resume(data, run, ["train.steps=6", "train.lr=0.01", "train.warmup_steps=3"]));
        Assert.Contains("train.lr 0.003 → 0.01", e.Message);
        Assert.Contains("train.warmup_steps 20 → 3", e.Message);
        Assert.Contains("--allow-change train.lr --allow-change train.warmup_steps", e.Message);
        Assert.Equal(before, File.ReadAllText(Path.Combine(run, "config.json")));
        Assert.False(Directory.Exists(Path.Combine(run, "final")));
    }

    [Fact]
    public void Extending_the_run_and_changing_cadences_need_no_permission_but_shrinking_does()
    {
        string run = Interrupted();
        var summary = Resume(data, run, ["train.steps=6", "train.log_every=1", "train.keep_checkpoints=5"]);
        Assert.Equal(6, summary.Steps);
        string shrunk = Interrupted();
        Assert.Contains("train.steps 4 → 3", Assert.Throws<UserErrorException>(() => Resume(data, shrunk, ["train.steps=3"])).Message);
    }

    [Fact]
    public void An_allowed_change_is_recorded_with_its_step_in_config_json_and_the_checkpoints()
    {
        string run = Interrupted();
        Resume(data, run, ["train.steps=6", "train.lr=0.01"], allow: ["train.lr"]);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "config.json")))!;
        Assert.Equal(0.01, config["train"]!["lr"]!.GetValue<double>());
        var changes = config["changes"]!.AsArray();
        Assert.Equal(["train.steps", "train.lr"], changes.Select(c => c!["key"]!.GetValue<string>())); // the extension is history too
        var change = changes.Single(c => c!["key"]!.GetValue<string>() == "train.lr")!;
        Assert.Equal("train.lr", change["key"]!.GetValue<string>());
        Assert.Equal(3, change["from_step"]!.GetValue<int>()); // resumed after step 2
        Assert.Equal(0.003, change["from"]!.GetValue<double>());
        Assert.Equal(0.01, change["to"]!.GetValue<double>());
        var state = Checkpoint.ReadState(Path.Combine(run, "final"));
        Assert.Equal(["train.steps", "train.lr"], state.ConfigChanges.Select(c => c.Key));
        // The run's config.json, history and all, still works as --config.
        Assert.Equal(0.01, Rho1.Training.Configuration.ConfigLoader.Load(Path.Combine(run, "config.json"), []).Train.Lr);
        Assert.Contains("--allow-change train.lrr: not a setting",
            Assert.Throws<UserErrorException>(() => Resume(data, Interrupted(), ["train.steps=6"], allow: ["train.lrr"])).Message);
    }

    [Fact]
    public void Train_ref_cannot_resume_a_selective_run_nor_train_against_another_reference()
    {
        string scores = data.NewRunDir(), other = data.NewRunDir();
        string reference = TinyRun.TrainPlain(data, data.Clean, 10);
        ReferenceScorer.Run(new ScoreOptions(reference, data.Noisy, scores, BatchSize: 64, Device: "cpu"));
        ReferenceScorer.Run(new ScoreOptions(TinyRun.TrainPlain(data, data.Clean, 12), data.Noisy, other, BatchSize: 64, Device: "cpu"));
        string run = data.NewRunDir();
        var config = TinyRun.Config("train.steps=4", "train.checkpoint_every=2", "train.eval_every=0", "selection.ratio=0.6");
        new Trainer(new TrainOptions(config, data.Noisy, run, "cpu", TensorBoard: false), s => SelectiveObjective.For(s, null, scores)).Run();
        Directory.Delete(Path.Combine(run, "final"), recursive: true);
        string summary = File.ReadAllText(Path.Combine(run, "config.json"));

        var plain = config with { Selection = new Rho1.Training.Configuration.SelectionConfig() };
        var e = Assert.Throws<UserErrorException>(() => new Trainer(new TrainOptions(plain, data.Noisy, run, "cpu", Resume: "auto"), _ => new ClmObjective()).Run());
        Assert.Contains("selection.ratio 0.6 → 1", e.Message);
        e = Assert.Throws<UserErrorException>(() => new Trainer(new TrainOptions(config, data.Noisy, run, "cpu", Resume: "auto"), s => SelectiveObjective.For(s, null, other)).Run());
        Assert.Contains("objective.ref_scores", e.Message);
        Assert.Equal(summary, File.ReadAllText(Path.Combine(run, "config.json")));
    }
}

// A reference that keeps training on clean data during the run: refreshes fall every N steps of the trained model,
// each one is M real optimizer steps that lower the reference's clean loss, its state moves to another instance
// without replaying anything, and a run stopped and resumed equals an uninterrupted one.
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using Rho1.Data.Prepare;
using Rho1.Data.Reading;
using Rho1.Model.Storage;
using Rho1.Reference;
using Rho1.Tests.Fixtures;
using Rho1.Training;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;
using Rho1.Training.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Reference;

[Collection("synthetic")]
public class RefreshingReferenceTests(SyntheticData data)
{
    [Theory]
    [InlineData(0, 5, 0)]
    [InlineData(4, 5, 0)]
    [InlineData(5, 5, 1)]
    [InlineData(14, 5, 2)]
    [InlineData(15, 5, 3)]
    [InlineData(100, 0, 0)]
    public void Refreshes_fall_every_n_steps_and_none_at_the_start(int step, int every, int expected) =>
        Assert.Equal(expected, RefreshingReference.RefreshesDue(step, every));

    RefreshingReference Open(string reference, SelectionConfig selection)
    {
        var t = TinyRun.Config().Train;
        using var dataset = TokenDataset.Open(data.Noisy);
        var online = (OnlineReference)ReferenceLoader.Open(reference, null, new ReferenceRequest(dataset, t.SeqLen, "fp32", torch.CPU))!;
        var settings = new RefreshSettings(selection.RefRefreshEvery, selection.RefRefreshSteps, selection.RefRefreshLr, t.BatchSize, t.SeqLen, t.Seed,
            t.Beta1, t.Beta2, t.Eps, t.WeightDecay, t.GradClip);
        return new RefreshingReference(online, TokenDataset.OpenVerified(data.Clean), settings, selection.RefRefreshLr, torch.CPU);
    }

    static float[] Weights(RefreshingReference r) =>
        r.StateTensors().Where(t => t.Name.StartsWith("model.", StringComparison.Ordinal)).SelectMany(t => t.Tensor.data<float>().ToArray()).ToArray();

    [Fact]
    public void A_refresh_is_real_training_on_clean_data_and_happens_once_per_due_step()
    {
        string reference = TinyRun.TrainPlain(data, data.Clean, 20);
        var selection = new SelectionConfig { Ratio = 0.5, RefRefreshEvery = 4, RefRefreshSteps = 5, RefRefreshLr = 3e-3 };
        using var evolving = Open(reference, selection);
        using var clean = TokenDataset.Open(data.Clean);
        var probe = new BatchLoader(clean.Split("val"), 8, TinyRun.Config().Train.SeqLen, 7, torch.CPU).Next();
        float Loss() => evolving.Losses(probe).mean().item<float>();

        float before = Loss();
        var initial = Weights(evolving);
        evolving.CatchUp(3);
        Assert.Equal(initial, Weights(evolving)); // nothing due before step 4
        evolving.CatchUp(8);
        Assert.Equal(2, evolving.Refreshes);
        Assert.Equal(10, evolving.SaveState()["optimizer_step"]!.GetValue<long>()); // 2 refreshes x 5 steps
        float after = Loss();
        Assert.True(after < before - 0.05f, $"clean validation loss {before} -> {after}: the refreshes did not train the reference");
        var twice = Weights(evolving);
        evolving.CatchUp(8);
        Assert.Equal(twice, Weights(evolving)); // already caught up
        Assert.True(double.IsFinite(evolving.LastRefreshLoss));
    }

    [Fact]
    public void Its_state_moves_to_a_fresh_reference_without_replaying_refreshes()
    {
        string reference = TinyRun.TrainPlain(data, data.Clean, 10);
        var selection = new SelectionConfig { Ratio = 0.5, RefRefreshEvery = 2, RefRefreshSteps = 3, RefRefreshLr = 3e-3 };
        using var first = Open(reference, selection);
        first.CatchUp(4);
        var tensors = first.StateTensors().ToDictionary(t => t.Name, t => t.Tensor.clone());
        using var second = Open(reference, selection);
        second.LoadState(first.SaveState(), tensors, "test");
        Assert.Equal(2, second.Refreshes);
        Assert.Equal(first.LastRefreshLoss, second.LastRefreshLoss);
        Assert.Equal(Weights(first), Weights(second));
        // The weights come from the tensors given, not from replaying the refreshes: a marked weight arrives marked.
        using var third = Open(reference, selection);
        string marked = tensors.Keys.First(k => k.StartsWith("model.", StringComparison.Ordinal));
        tensors[marked].add_(1.0);
        third.LoadState(first.SaveState(), tensors, "test");
        var got = third.StateTensors().First(t => t.Name == marked).Tensor;
        Assert.True(torch.allclose(got, tensors[marked], rtol: 0, atol: 0));
        tensors[marked].sub_(1.0);
        first.CatchUp(6);
        second.CatchUp(6);
        Assert.Equal(Weights(first), Weights(second)); // moments and data cursor came along too
        Assert.Equal(first.SaveState().ToJsonString(), second.SaveState().ToJsonString());
    }

    [Fact]
    public void A_run_stopped_and_resumed_equals_an_uninterrupted_one()
    {
        string reference = TinyRun.TrainPlain(data, data.Clean, 20);
        var config = TinyRun.Config("train.steps=16", "train.checkpoint_every=8", "train.eval_every=0", "train.log_every=1",
            "selection.ratio=0.5", "selection.ref_refresh_every=3", "selection.ref_refresh_steps=2", "selection.ref_refresh_lr=3e-3");
        string straight = data.NewRunDir(), resumed = data.NewRunDir();
        ITrainingObjective Objective(TrainingSetup setup) => SelectiveObjective.For(setup, reference, null, data.Clean);
        new Trainer(new TrainOptions(config, data.Noisy, straight, "cpu", TensorBoard: false), Objective).Run();
        var stopAt11 = new TrainOptions(config, data.Noisy, resumed, "cpu", TensorBoard: false) { AfterStep = s => { if (s == 11) throw new OperationCanceledException(); } };
        Assert.Throws<OperationCanceledException>(() => new Trainer(stopAt11, Objective).Run());
        new Trainer(new TrainOptions(config, data.Noisy, resumed, "cpu", Resume: "auto", TensorBoard: false), Objective).Run();
        Assert.Equal(TinyRun.Deterministic(TinyRun.Metrics(straight)), TinyRun.Deterministic(TinyRun.Metrics(resumed)));

        // The reference really changed during the run: its loss on the batch is logged after refreshes, and the
        // checkpoint holds its trained weights, which differ from the reference's own.
        var refreshLosses = TinyRun.Metrics(straight).Where(m => m.ContainsKey("ref_refresh_loss")).ToList();
        Assert.Equal(4, refreshLosses.First()["step"]!.GetValue<int>()); // the first refresh comes before the 4th step (3 done)
        var checkpoint = Path.Combine(straight, "checkpoints", "step-0000008");
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(checkpoint, "state.json")))!;
        Assert.Equal(2, state["objective"]!["reference"]!["refreshes"]!.GetValue<int>());
        var original = CheckpointFiles.ReadTensors(Path.Combine(reference, "final"), CheckpointFiles.ModelFile);
        var saved = Checkpoint.Load(checkpoint);
        Assert.DoesNotContain(saved.Optimizer.Keys, k => k.StartsWith(Checkpoint.ObjectivePrefix, StringComparison.Ordinal)); // the optimizer gets only its own
        Assert.Contains(Checkpoint.ObjectivePrefix + "model." + original.Keys.First(), CheckpointFiles.ReadTensors(checkpoint, CheckpointFiles.OptimizerFile).Keys); // the file layout of docs/checkpoint-format.md
        string name = original.Keys.First(k => k.Contains("attn", StringComparison.OrdinalIgnoreCase) || k.Contains("wq", StringComparison.OrdinalIgnoreCase));
        Assert.False(torch.allclose(original[name], saved.Objective["model." + name], rtol: 0, atol: 0), $"{name} of the saved reference equals the untrained one");
    }

    [Theory]
    [InlineData("batch")]
    [InlineData("sequence")]
    [InlineData("global")]
    public void Under_gradient_accumulation_refreshes_happen_at_the_start_of_the_step_and_resume_exactly(string select)
    {
        // Batch selection ranks the whole step in a forward without gradient; a refresh reached from there had no graph
        // to backpropagate (issue 26, defect 1). The refresh now comes first in the step, for every selection mode.
        string reference = TinyRun.TrainPlain(data, data.Clean, 10);
        var config = TinyRun.Config("train.steps=8", "train.checkpoint_every=4", "train.eval_every=0", "train.log_every=1", "train.grad_accum=2",
            "train.batch_size=4", "selection.ratio=0.6", $"selection.select={select}", "selection.ref_refresh_every=3", "selection.ref_refresh_steps=2",
            "selection.ref_refresh_lr=3e-3");
        string straight = data.NewRunDir(), resumed = data.NewRunDir();
        ITrainingObjective Objective(TrainingSetup setup) => SelectiveObjective.For(setup, reference, null, data.Clean);
        new Trainer(new TrainOptions(config, data.Noisy, straight, "cpu", TensorBoard: false), Objective).Run();
        var stopAt5 = new TrainOptions(config, data.Noisy, resumed, "cpu", TensorBoard: false) { AfterStep = s => { if (s == 5) throw new OperationCanceledException(); } };
        Assert.Throws<OperationCanceledException>(() => new Trainer(stopAt5, Objective).Run());
        new Trainer(new TrainOptions(config, data.Noisy, resumed, "cpu", Resume: "auto", TensorBoard: false), Objective).Run();
        var metrics = TinyRun.Metrics(straight);
        Assert.Equal(TinyRun.Deterministic(metrics), TinyRun.Deterministic(TinyRun.Metrics(resumed)));
        // Two refreshes by step 8 (before steps 4 and 7): the logged refresh loss appears from step 4 and changes at 7.
        var refresh = metrics.Where(m => m.ContainsKey("ref_refresh_loss")).ToList();
        Assert.Equal(4, refresh.First()["step"]!.GetValue<int>());
        Assert.NotEqual(refresh.First()["ref_refresh_loss"]!.GetValue<double>(), refresh.Last()["ref_refresh_loss"]!.GetValue<double>());
    }

    [Fact]
    public void A_refresh_on_the_evaluation_data_is_refused_unless_allowed()
    {
        string reference = TinyRun.TrainPlain(data, data.Clean, 4);
        var config = TinyRun.Config("train.steps=2", "train.eval_every=0", "selection.ratio=0.5", "selection.ref_refresh_every=1", "selection.ref_refresh_steps=1",
            "selection.ref_refresh_lr=1e-3");
        string Run(string evalData, string refData, bool allow = false)
        {
            string run = data.NewRunDir();
            new Trainer(new TrainOptions(config, data.Noisy, run, "cpu", TensorBoard: false) { EvalDataDir = evalData, AllowEvalOverlap = allow },
                s => SelectiveObjective.For(s, reference, null, refData)).Run();
            return run;
        }
        string Refusal(string evalData, string refData) => Assert.Throws<UserErrorException>(() => Run(evalData, refData)).Message;

        // The same dataset: by path, and by content under another path (a copy has the same fingerprint).
        Assert.Contains("the dataset the refreshing reference trains on", Refusal(data.Clean, data.Clean));
        string copy = data.NewRunDir();
        CopyDirectory(data.Clean, copy);
        Assert.Contains("the dataset the refreshing reference trains on", Refusal(copy, data.Clean));
        // Another dataset sharing a shard: the clean documents again plus more, without a val split, so that evaluation
        // falls back to its train split, whose first shard is the clean data's. Small shards make the boundaries line up.
        string raw = data.NewRunDir(), onlyClean = Path.Combine(raw, "a"), cleanAndMore = Path.Combine(raw, "b");
        string cleanText = Path.Combine(data.Root, "raw", "clean.jsonl"), more = Path.Combine(data.Root, "raw", "heldout.jsonl");
        DatasetPreparer.Run(new PrepareOptions([cleanText], onlyClean, "bytes") { ValFraction = 0, ShardTokens = 50_000 });
        DatasetPreparer.Run(new PrepareOptions([cleanText, more], cleanAndMore, "bytes") { ValFraction = 0, ShardTokens = 50_000 });
        string message = Refusal(cleanAndMore, onlyClean);
        Assert.Contains("(train split) shares a shard (sha256 ", message);
        Assert.Contains("--allow-eval-overlap", message);

        // Allowed, it runs; and other data is not refused. The log says which split evaluation reads.
        Assert.True(File.Exists(Path.Combine(Run(data.Clean, data.Clean, allow: true), "summary.json")));
        string fine = Run(data.Heldout, data.Clean);
        Assert.Contains($"evaluation: val split of {data.Heldout}", File.ReadAllText(Path.Combine(fine, "train.log")));
    }

    static void CopyDirectory(string from, string to)
    {
        foreach (string dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
    }

    [Fact]
    public void Resuming_with_other_clean_data_or_a_refresh_the_checkpoint_lacks_is_refused()
    {
        string reference = TinyRun.TrainPlain(data, data.Clean, 4);
        string[] refresh = ["selection.ref_refresh_every=2", "selection.ref_refresh_steps=1"];
        string Interrupted(string[] sets, string? refData)
        {
            string run = data.NewRunDir();
            var options = new TrainOptions(TinyRun.Config(["train.steps=6", "train.checkpoint_every=2", "train.eval_every=0", "selection.ratio=0.5", .. sets]), data.Noisy, run, "cpu", TensorBoard: false)
                { AfterStep = s => { if (s == 3) throw new OperationCanceledException(); } };
            Assert.Throws<OperationCanceledException>(() => new Trainer(options, s => SelectiveObjective.For(s, reference, null, refData)).Run());
            return run;
        }
        string Resume(string run, string? refData, string[] allow) => Assert.Throws<UserErrorException>(() => new Trainer(
            new TrainOptions(TinyRun.Config(["train.steps=6", "train.checkpoint_every=2", "train.eval_every=0", "selection.ratio=0.5", .. refresh]), data.Noisy, run, "cpu", Resume: "auto", TensorBoard: false)
            { AllowChange = allow }, s => SelectiveObjective.For(s, reference, null, refData)).Run()).Message;

        Assert.Contains("objective.ref_data", Resume(Interrupted(refresh, data.Clean), data.Heldout, []));
        string fixedReference = Interrupted([], null);
        Assert.Contains("selection.ref_refresh_every 0 → 2", Resume(fixedReference, data.Clean, []));
        Assert.Contains("holds no refreshed reference", Resume(fixedReference, data.Clean, ["selection.ref_refresh_every", "selection.ref_refresh_steps", "objective.ref_data"]));
    }

    [Fact]
    public void Without_ref_data_and_lr_it_continues_on_the_references_own_data_at_the_rate_its_schedule_ended_on()
    {
        string reference = TinyRun.TrainPlain(data, data.Clean, 2); // tiny: train.lr 3e-3, train.min_lr_ratio 0.1
        var config = TinyRun.Config("train.steps=2", "selection.ratio=0.5", "selection.ref_refresh_every=1");
        using var dataset = TokenDataset.Open(data.Noisy);
        using var objective = SelectiveObjective.For(new TrainingSetup(config, torch.CPU, dataset), reference, null);
        var d = objective.Describe();
        Assert.Equal(Path.GetFullPath(data.Clean), d["ref_data"]!.GetValue<string>());
        Assert.Equal(3e-4, d["ref_refresh_lr"]!.GetValue<double>(), 12);
    }

    [Fact]
    public void Settings_that_cannot_work_are_refused_in_one_line()
    {
        string reference = TinyRun.TrainPlain(data, data.Clean, 2);
        string Refusal(string refData, string? refScores, string? refCheckpoint, params string[] sets) =>
            Assert.Throws<UserErrorException>(() => new Trainer(new TrainOptions(TinyRun.Config(["train.steps=2", "selection.ratio=0.5", .. sets]), data.Noisy, data.NewRunDir(), "cpu"),
                s => SelectiveObjective.For(s, refCheckpoint, refScores, refData)).Run()).Message;
        Assert.Contains("needs --ref CKPT", Refusal(data.Clean, null, null, "selection.ref_refresh_every=5"));
        Assert.Contains("set selection.ref_refresh_every (--ref-refresh N) too", Refusal(data.Clean, null, reference));
        Assert.Equal("selection.ref_refresh_steps=0: must be at least 1",
            Assert.Throws<UserErrorException>(() => TinyRun.Config("selection.ref_refresh_every=5", "selection.ref_refresh_steps=0").Selection.Validate()).Message);
        Assert.Equal("selection.ref_refresh_every=-1: must be 0 (a fixed reference) or a number of steps",
            Assert.Throws<UserErrorException>(() => TinyRun.Config("selection.ref_refresh_every=-1").Selection.Validate()).Message);
    }
}

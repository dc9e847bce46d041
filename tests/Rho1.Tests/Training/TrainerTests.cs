// End-to-end training on generated data: the loss falls, the run directory holds what it promises, a resumed
// run is bit-identical to an uninterrupted one, and bad set-ups are refused before anything is written.
using System.Text.Json.Nodes;
using Rho1.IO;
using Rho1.Model.Storage;
using Rho1.Tests.Fixtures;
using Rho1.Training;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;
using Rho1.Training.Runs;

namespace Rho1.Tests.Training;

[Collection("synthetic")]
public class TrainerTests(SyntheticData data)
{
    [Fact]
    public void A_warm_up_as_long_as_the_run_is_warned_about()
    {
        // small with train.steps=100 (its warm-up is 100 steps) would end at its peak rate without a word (issue 27).
        string run = data.NewRunDir();
        new Trainer(new TrainOptions(TinyRun.Config("train.steps=4", "train.warmup_steps=4", "train.eval_every=0"), data.Clean, run, "cpu", TensorBoard: false),
            _ => new ClmObjective()).Run();
        Assert.Contains("train.warmup_steps=4 is not below train.steps=4: the learning rate only warms up and the run ends at 100% of its peak",
            File.ReadAllText(Path.Combine(run, "train.log")));
        string fine = data.NewRunDir();
        new Trainer(new TrainOptions(TinyRun.Config("train.steps=4", "train.warmup_steps=2", "train.eval_every=0"), data.Clean, fine, "cpu", TensorBoard: false),
            _ => new ClmObjective()).Run();
        Assert.DoesNotContain("warmup_steps", File.ReadAllText(Path.Combine(fine, "train.log")));
    }

    [Fact]
    public void Step_log_lines_carry_elapsed_time_and_an_eta()
    {
        // A SLURM log (stderr not a terminal) has no bar: its step lines must say how long the run has taken and has left.
        string run = data.NewRunDir();
        new Trainer(new TrainOptions(TinyRun.Config("train.steps=4", "train.log_every=2", "train.eval_every=0"), data.Clean, run, "cpu", TensorBoard: false),
            _ => new ClmObjective()).Run();
        var steps = File.ReadAllLines(Path.Combine(run, "train.log")).Where(l => l.Contains(" step ", StringComparison.Ordinal) && l.Contains("tokens/s", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, steps.Count);
        Assert.All(steps, l => Assert.Matches(@"tokens/s elapsed \d\d:\d\d ETA \d\d:\d\d$", l));
        Assert.EndsWith("ETA 00:00", steps[^1]); // the last step has nothing left
        Assert.Equal("1:01:05", StepProgress.Format(TimeSpan.FromSeconds(3665)));
        Assert.Equal("02:05", StepProgress.Format(TimeSpan.FromSeconds(125)));
    }

    [Fact]
    public void Tiny_training_lowers_the_loss_and_writes_the_run_directory()
    {
        string run = data.NewRunDir();
        var summary = new Trainer(new TrainOptions(TinyRun.Config("train.steps=60", "train.eval_every=30", "train.checkpoint_every=30"), data.Clean, run, "cpu"),
            _ => new ClmObjective()).Run();
        var metrics = TinyRun.Metrics(run);
        var train = metrics.Where(m => m.ContainsKey("loss")).ToList();
        double first = train[0]["loss"]!.GetValue<double>(), last = train[^1]["loss"]!.GetValue<double>();
        Assert.True(first > 4.0, $"untrained byte model should start near ln 257 = 5.55, got {first}");
        string trainLog = File.ReadAllText(Path.Combine(run, "train.log"));
        Assert.Contains("objective: plain: every token", trainLog); // the start banner, in the file as well as on the console
        Assert.Contains(" 512 tokens per step (8 x 64 x 1)", trainLog);
        Assert.True(last < first - 1.5, $"loss fell only from {first} to {last}");
        foreach (string key in new[] { "step", "tokens", "loss", "lr", "grad_norm", "tokens_per_s", "mfu" })
            Assert.True(train[0].ContainsKey(key), key);
        var evals = metrics.Where(m => m.ContainsKey("val_loss")).ToList();
        Assert.Equal(new[] { 30, 60 }, evals.Select(e => e["step"]!.GetValue<int>()));
        Assert.True(evals[0]["val_bpb"]!.GetValue<double>() > 0);
        Assert.Equal(60, summary.Steps);
        Assert.Equal(60L * 8 * 64, summary.Tokens);
        foreach (string f in new[] { "config.json", "summary.json", "train.log", "metrics.jsonl" })
            Assert.True(File.Exists(Path.Combine(run, f)), f);
        Assert.Null(CheckpointFiles.Problem(Path.Combine(run, "final")));
        Assert.Null(CheckpointFiles.Problem(Path.Combine(run, "checkpoints", "step-0000030")));
    }

    [Fact]
    public void A_run_stopped_and_resumed_is_bit_identical_to_an_uninterrupted_one()
    {
        var config = TinyRun.Config("train.steps=24", "train.checkpoint_every=8", "train.eval_every=8", "train.log_every=2");
        string straight = data.NewRunDir(), resumed = data.NewRunDir();
        new Trainer(new TrainOptions(config, data.Noisy, straight, "cpu"), _ => new ClmObjective()).Run();

        var stopAt13 = new TrainOptions(config, data.Noisy, resumed, "cpu") { AfterStep = s => { if (s == 13) throw new OperationCanceledException(); } };
        Assert.Throws<OperationCanceledException>(() => new Trainer(stopAt13, _ => new ClmObjective()).Run());
        Assert.Contains(TinyRun.Metrics(resumed), m => m["step"]!.GetValue<int>() == 12); // progress past the checkpoint is redone
        new Trainer(new TrainOptions(config, data.Noisy, resumed, "cpu", Resume: "auto"), _ => new ClmObjective()).Run();

        Assert.Equal(TinyRun.Deterministic(TinyRun.Metrics(straight)), TinyRun.Deterministic(TinyRun.Metrics(resumed)));
        // TensorBoard: each (tag, step) once, although steps 10 and 12 were logged before the stop and again after.
        string[] timing = ["tokens_per_s", "mfu"];
        var expected = TensorBoardEvents.Scalars(straight).Where(s => !timing.Contains(s.Tag)).Order().ToList();
        var actual = TensorBoardEvents.Scalars(resumed).Where(s => !timing.Contains(s.Tag)).Order().ToList();
        Assert.Contains(expected, s => s.Tag == "loss" && s.Step == 12);
        Assert.Equal(expected, actual);
        var a = TensorFile.Load(Path.Combine(straight, "final", CheckpointFiles.ModelFile));
        var b = TensorFile.Load(Path.Combine(resumed, "final", CheckpointFiles.ModelFile));
        foreach (var (name, t) in a)
            Assert.True(t.eq(b[name]).all().item<bool>(), name);
    }

    [Fact]
    public void An_existing_run_is_refused_without_resume_or_force()
    {
        string run = data.NewRunDir();
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "metrics.jsonl"), "{\"step\":1}\n");
        var e = Assert.Throws<UserErrorException>(() =>
            new Trainer(new TrainOptions(TinyRun.Config("train.steps=2"), data.Clean, run, "cpu"), _ => new ClmObjective()).Run());
        Assert.Contains("already holds a run", e.Message);
        Assert.Equal("{\"step\":1}\n", File.ReadAllText(Path.Combine(run, "metrics.jsonl")));
    }

    [Fact]
    public void Seq_len_beyond_the_context_is_refused_before_writing()
    {
        string run = data.NewRunDir();
        var e = Assert.Throws<UserErrorException>(() =>
            new Trainer(new TrainOptions(TinyRun.Config("train.seq_len=4096"), data.Clean, run, "cpu"), _ => new ClmObjective()).Run());
        Assert.Contains("context_length", e.Message);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Resuming_with_another_model_shape_is_refused_by_name()
    {
        string run = data.NewRunDir();
        new Trainer(new TrainOptions(TinyRun.Config("train.steps=4", "train.checkpoint_every=2"), data.Clean, run, "cpu"), _ => new ClmObjective()).Run();
        var e = Assert.Throws<UserErrorException>(() =>
            new Trainer(new TrainOptions(TinyRun.Config("train.steps=8", "model.dim=96", "model.heads=4"), data.Clean, run, "cpu", Resume: "auto"), _ => new ClmObjective()).Run());
        Assert.Contains("model shape", e.Message);
    }

    [Fact]
    public void An_interrupted_run_checkpoints_its_finished_steps_and_resumes_to_the_same_end()
    {
        var config = TinyRun.Config("train.steps=12", "train.checkpoint_every=0", "train.eval_every=6", "train.log_every=1");
        string straight = data.NewRunDir(), interrupted = data.NewRunDir();
        new Trainer(new TrainOptions(config, data.Clean, straight, "cpu", TensorBoard: false), _ => new ClmObjective()).Run();
        using var stop = new CancellationTokenSource();
        var e = Assert.Throws<InterruptedException>(() => new Trainer(new TrainOptions(config, data.Clean, interrupted, "cpu", TensorBoard: false)
            { AfterStep = s => { if (s == 5) stop.Cancel(); } }, _ => new ClmObjective()).Run(stop.Token));
        string checkpoint = Path.Combine(interrupted, "checkpoints", "step-0000005");
        Assert.Equal($"interrupted at step 5; checkpoint {checkpoint}; continue with --resume auto", e.Message);
        Assert.Null(CheckpointFiles.Problem(checkpoint));
        new Trainer(new TrainOptions(config, data.Clean, interrupted, "cpu", Resume: "auto", TensorBoard: false), _ => new ClmObjective()).Run();
        Assert.Equal(TinyRun.Deterministic(TinyRun.Metrics(straight)), TinyRun.Deterministic(TinyRun.Metrics(interrupted)));
    }

    [Fact]
    public void On_CUDA_the_ranks_agree_on_stopping_only_after_logged_steps_and_on_a_CPU_after_every_step()
    {
        Assert.Equal([0L, 10, 20, 30], Enumerable.Range(0, 31).Select(s => (long)s).Where(s => Trainer.StopCheckDue(s, logEvery: 10, cuda: true)));
        Assert.All(Enumerable.Range(0, 31), s => Assert.True(Trainer.StopCheckDue(s, logEvery: 10, cuda: false)));
        Assert.True(Trainer.StopCheckDue(7, logEvery: 1, cuda: true));
    }
}

// Numerical faults: a step whose loss or gradient is not finite changes neither weights nor optimizer state
// (so a checkpoint after it holds exactly the weights from before it), is logged, and is marked in metrics;
// max_bad_steps in a row stop the run with TrainingFailedException naming the last good checkpoint.
using System.Text.Json.Nodes;
using Rho1.Model.Storage;
using Rho1.Tests.Fixtures;
using Rho1.Training;
using Rho1.Training.Objectives;
using Rho1.Training.Runs;

namespace Rho1.Tests.Training;

[Collection("synthetic")]
public class NumericalFaultTests(SyntheticData data)
{
    static byte[] Bytes(string run, string checkpoint, string file) => File.ReadAllBytes(Path.Combine(run, "checkpoints", checkpoint, file));

    [Fact]
    public void Non_finite_steps_are_skipped_leaving_weights_and_optimizer_exactly_as_before()
    {
        string run = data.NewRunDir();
        var config = TinyRun.Config("train.steps=8", "train.checkpoint_every=2", "train.keep_checkpoints=10", "train.log_every=1",
            "train.eval_every=0", "train.max_bad_steps=3");
        // Steps 3 and 4: NaN loss; step 6: finite loss, NaN gradient.
        new Trainer(new TrainOptions(config, data.Clean, run, "cpu", TensorBoard: false),
            _ => new FaultyObjective(s => s is 3 or 4, s => s == 6)).Run();

        foreach (string file in new[] { CheckpointFiles.ModelFile, CheckpointFiles.OptimizerFile })
        {
            Assert.Equal(Bytes(run, "step-0000002", file), Bytes(run, "step-0000004", file));
            Assert.NotEqual(Bytes(run, "step-0000004", file), Bytes(run, "step-0000006", file)); // step 5 did update
        }
        Assert.Equal(5, Checkpoint.ReadState(Path.Combine(run, "final")).OptimizerStep); // 8 steps, 3 skipped

        var metrics = TinyRun.Metrics(run).Where(m => m.ContainsKey("loss")).ToDictionary(m => m["step"]!.GetValue<int>());
        // "loss" is the model's token loss, finite here; the objective's NaN shows in the gradient norm.
        foreach (int step in new[] { 3, 4, 6 })
        {
            Assert.True(double.IsFinite(metrics[step]["loss"]!.GetValue<double>()));
            Assert.Null(metrics[step]["grad_norm"]);
        }
        Assert.NotNull(metrics[5]["grad_norm"]);
        Assert.Equal(new[] { 3, 4, 6 }, metrics.Values.Where(m => m.ContainsKey("skipped_updates")).Select(m => m["step"]!.GetValue<int>()));
        string log = File.ReadAllText(Path.Combine(run, "train.log"));
        foreach (int step in new[] { 3, 4, 6 })
            Assert.Contains($"step {step}: non-finite loss or gradient, update skipped", log);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "summary.json")))!;
        Assert.Equal(metrics[8]["loss"]!.GetValue<double>(), summary["final_loss"]!.GetValue<double>());
    }

    [Fact]
    public void Max_bad_steps_in_a_row_stop_the_run_naming_a_usable_last_checkpoint()
    {
        string run = data.NewRunDir();
        var config = TinyRun.Config("train.steps=20", "train.checkpoint_every=2", "train.keep_checkpoints=10", "train.eval_every=0", "train.max_bad_steps=3");
        var e = Assert.Throws<TrainingFailedException>(() => new Trainer(new TrainOptions(config, data.Clean, run, "cpu", TensorBoard: false),
            _ => new FaultyObjective(s => s >= 5)).Run());

        // Steps 5 and 6 were skipped, step-6 checkpointed (holding step 4's weights), step 7 was the third in a row.
        string last = Path.Combine(run, "checkpoints", "step-0000006");
        Assert.Contains("steps 5-7", e.Message);
        Assert.Contains("train.max_bad_steps=3", e.Message);
        Assert.Contains($"last good checkpoint: {last}", e.Message);
        Assert.Null(CheckpointFiles.Problem(last));
        Assert.Equal(Bytes(run, "step-0000004", CheckpointFiles.ModelFile), Bytes(run, "step-0000006", CheckpointFiles.ModelFile));
        Assert.False(Directory.Exists(Path.Combine(run, "final")));

        // Usable: once the fault is gone, --resume auto continues from it to the end.
        var summary = new Trainer(new TrainOptions(config, data.Clean, run, "cpu", Resume: "auto", TensorBoard: false), _ => new ClmObjective()).Run();
        Assert.Equal(20, summary.Steps);
        Assert.Contains($"resumed from {last} at step 6", File.ReadAllText(Path.Combine(run, "train.log")));
    }

    [Fact]
    public void A_run_resumed_from_its_final_checkpoint_rewrites_the_same_summary()
    {
        // The state of a run killed after its final checkpoint but before summary.json.
        string run = data.NewRunDir();
        var config = TinyRun.Config("train.steps=6", "train.eval_every=3", "train.log_every=2");
        new Trainer(new TrainOptions(config, data.Clean, run, "cpu", TensorBoard: false), _ => new ClmObjective()).Run();
        var before = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "summary.json")))!.AsObject();
        File.Delete(Path.Combine(run, "summary.json"));
        new Trainer(new TrainOptions(config, data.Clean, run, "cpu", Resume: "auto", TensorBoard: false), _ => new ClmObjective()).Run();
        var after = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "summary.json")))!.AsObject();
        foreach (string key in new[] { "steps", "tokens", "final_loss", "final_val_loss", "final_val_bpb", "parameters", "objective" })
            Assert.Equal(before[key]!.ToJsonString(), after[key]!.ToJsonString());
    }

    [Fact]
    public void Deciding_the_skip_on_the_device_trains_like_the_host_and_reports_at_log_steps()
    {
        // The CUDA path, forced on the CPU: no host read per step, faults read at log steps (every 2 here).
        var config = TinyRun.Config("train.steps=8", "train.log_every=2", "train.eval_every=0", "train.checkpoint_every=0", "train.max_bad_steps=3");
        string host = data.NewRunDir(), device = data.NewRunDir();
        new Trainer(new TrainOptions(config, data.Clean, host, "cpu", TensorBoard: false), _ => new FaultyObjective(s => s is 3 or 4, s => s == 6)).Run();
        new Trainer(new TrainOptions(config, data.Clean, device, "cpu", TensorBoard: false) { DeviceSideSkip = true },
            _ => new FaultyObjective(s => s is 3 or 4, s => s == 6)).Run();
        Assert.Equal(5, Checkpoint.ReadState(Path.Combine(device, "final")).OptimizerStep);
        var a = CheckpointFiles.ReadTensors(Path.Combine(host, "final"), CheckpointFiles.ModelFile);
        var b = CheckpointFiles.ReadTensors(Path.Combine(device, "final"), CheckpointFiles.ModelFile);
        foreach (var (name, tensor) in a)
            Assert.True(TorchSharp.torch.allclose(tensor, b[name], rtol: 1e-5, atol: 1e-6), name);
        var skipped = TinyRun.Metrics(device).Where(m => m.ContainsKey("skipped_updates"))
            .ToDictionary(m => m["step"]!.GetValue<int>(), m => m["skipped_updates"]!.GetValue<int>());
        Assert.Equal(new Dictionary<int, int> { [4] = 2, [6] = 1 }, skipped);
        Assert.Contains("step 4: 2 update(s) since the last log line skipped", File.ReadAllText(Path.Combine(device, "train.log")));

        // max_bad_steps is enforced at the log step that sees the run of faults.
        string failing = data.NewRunDir();
        var e = Assert.Throws<TrainingFailedException>(() => new Trainer(new TrainOptions(config with { Train = config.Train with { Steps = 20 } },
            data.Clean, failing, "cpu", TensorBoard: false) { DeviceSideSkip = true }, _ => new FaultyObjective(s => s >= 5)).Run());
        Assert.Contains("steps 5-8: 4 consecutive", e.Message);
    }
}

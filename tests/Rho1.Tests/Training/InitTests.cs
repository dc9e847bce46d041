// Continual pretraining's first step: --init starts a run from a model's weights (here a Rho1 run exported to
// Hugging Face format and read back), takes its shape, starts the optimizer fresh, records where it started, and
// refuses a --set model.* that disagrees with the model.
using System.Text.Json.Nodes;
using Rho1.Model.Storage;
using Rho1.Tests.Fixtures;
using Rho1.Training;
using Rho1.Training.Objectives;
using Rho1.Training.Runs;

namespace Rho1.Tests.Training;

[Collection("synthetic")]
public class InitTests(SyntheticData data)
{
    [Fact]
    public void A_run_started_from_an_exported_model_continues_from_its_weights()
    {
        string baseRun = TinyRun.TrainPlain(data, data.Clean, 40);
        string exported = data.NewRunDir();
        HuggingFaceExport.Run(baseRun, exported, force: false);

        var config = TinyRun.Config("train.steps=3", "train.log_every=1", "train.eval_every=0", "train.checkpoint_every=0", "model.dim=32", "model.ffn_dim=96");
        string fresh = data.NewRunDir(), continued = data.NewRunDir();
        new Trainer(new TrainOptions(TinyRun.Config("train.steps=3", "train.log_every=1", "train.eval_every=0"), data.Clean, fresh, "cpu", TensorBoard: false), _ => new ClmObjective()).Run();
        var summary = new Trainer(new TrainOptions(config, data.Clean, continued, "cpu", TensorBoard: false) { Init = exported }, _ => new ClmObjective()).Run();

        double First(string run) => TinyRun.Metrics(run).First(m => m.ContainsKey("loss"))["loss"]!.GetValue<double>();
        Assert.True(First(continued) < First(fresh) - 1.0, $"first loss {First(continued)} from the base model against {First(fresh)} from random weights");
        // The preset's model.* (dim 32 here) gave way to the model's shape (tiny's 64).
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(continued, "config.json")))!;
        Assert.Equal(64, written["model"]!["dim"]!.GetValue<int>());
        Assert.Equal(Path.GetFullPath(exported), summary.InitFrom);
        Assert.Equal(Path.GetFullPath(exported), Checkpoint.ReadState(Path.Combine(continued, "final")).InitFrom);
        Assert.Equal(3, Checkpoint.ReadState(Path.Combine(continued, "final")).OptimizerStep); // fresh optimizer: 3 updates
        Assert.Contains("initialised from", File.ReadAllText(Path.Combine(continued, "train.log")));

        var e = Assert.Throws<UserErrorException>(() => new Trainer(new TrainOptions(config, data.Clean, data.NewRunDir(), "cpu")
            { Init = exported, SetKeys = ["model.dim"] }, _ => new ClmObjective()).Run());
        Assert.Contains("--set model.dim=32 conflicts with --init", e.Message);
        Assert.Contains("model.dim=64", e.Message);
    }
}

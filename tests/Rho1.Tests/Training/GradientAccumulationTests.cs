// Gradient accumulation is a memory knob, not a change of method: 2 micro-batches of B/2 give the same steps
// as 1 batch of B (the same windows in the same order), for plain training and for selection. Batch selection
// ranks the whole step's tokens, so its mask is the one-batch mask too.
using Rho1.Reference;
using Rho1.Tests.Fixtures;
using Rho1.Training;
using Rho1.Training.Objectives;
using Rho1.Training.Runs;
using Rho1.Model.Storage;
using TorchSharp;

namespace Rho1.Tests.Training;

[Collection("synthetic")]
public class GradientAccumulationTests(SyntheticData data)
{
    string Run(string scores, string select, double ratio, int batch, int accum)
    {
        string run = data.NewRunDir();
        var config = TinyRun.Config("train.steps=10", "train.log_every=1", "train.eval_every=0", $"train.batch_size={batch}", $"train.grad_accum={accum}",
            $"selection.ratio={ratio}", $"selection.select={select}");
        new Trainer(new TrainOptions(config, data.Noisy, run, "cpu", TensorBoard: false), s => SelectiveObjective.For(s, null, ratio < 1 ? scores : null)).Run();
        return run;
    }

    [Theory]
    [InlineData("batch", 1.0)]
    [InlineData("batch", 0.5)]
    [InlineData("sequence", 0.5)]
    public void Two_half_batches_equal_one_whole_batch(string select, double ratio)
    {
        string scores = data.NewRunDir();
        ReferenceScorer.Run(new ScoreOptions(TinyRun.TrainPlain(data, data.Clean, 20), data.Noisy, scores, BatchSize: 64, Device: "cpu"));
        string whole = Run(scores, select, ratio, batch: 8, accum: 1), halves = Run(scores, select, ratio, batch: 4, accum: 2);
        var a = TinyRun.Metrics(whole).Where(m => m.ContainsKey("loss")).ToList();
        var b = TinyRun.Metrics(halves).Where(m => m.ContainsKey("loss")).ToList();
        Assert.Equal(10, a.Count);
        for (int i = 0; i < a.Count; i++)
            Assert.Equal(a[i]["loss"]!.GetValue<double>(), b[i]["loss"]!.GetValue<double>(), 4);
        var wa = CheckpointFiles.ReadTensors(Path.Combine(whole, "final"), CheckpointFiles.ModelFile);
        var wb = CheckpointFiles.ReadTensors(Path.Combine(halves, "final"), CheckpointFiles.ModelFile);
        foreach (var (name, tensor) in wa)
            Assert.True(torch.allclose(tensor, wb[name], rtol: 1e-4, atol: 1e-5), $"{name} differs after 10 steps");
        Assert.Equal(Checkpoint.ReadState(Path.Combine(whole, "final")).TokensSeen, Checkpoint.ReadState(Path.Combine(halves, "final")).TokensSeen);
    }
}

// Selection inside real training runs on generated data: ratio 1.0 is train-ref bit for bit, offline and
// online reference losses agree, and SLM beats the plain baseline on clean held-out text for several seeds.
using Rho1.Data.Batches;
using Rho1.Data.Reading;
using Rho1.Reference;
using Rho1.Tests.Fixtures;
using Rho1.Training;
using Rho1.Training.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Training.Objectives;

[Collection("synthetic")]
public class SelectiveTrainingTests(SyntheticData data)
{
    string TrainReference(int steps = 120) => TinyRun.TrainPlain(data, data.Clean, steps);

    [Fact]
    public void Ratio_one_reproduces_train_ref_exactly_even_with_a_reference()
    {
        // Given a reference, the selective objective at ratio 1.0 must neither change the loss nor consult it.
        string scores = data.NewRunDir();
        ReferenceScorer.Run(new ScoreOptions(TrainReference(20), data.Noisy, scores, BatchSize: 64, Device: "cpu"));
        var config = TinyRun.Config("train.steps=12", "train.log_every=1", "train.eval_every=6");
        string plain = data.NewRunDir(), selective = data.NewRunDir();
        new Trainer(new TrainOptions(config, data.Noisy, plain, "cpu"), _ => new ClmObjective()).Run();
        new Trainer(new TrainOptions(config, data.Noisy, selective, "cpu"),
            s => new SelectiveObjective(s.Config.Selection, ReferenceLoader.Open(null, scores, Request(s)), 12, 1)).Run();
        string Losses(string run) => string.Join(",", TinyRun.Metrics(run).Select(m => (m["loss"] ?? m["val_loss"])!.ToJsonString()));
        Assert.Equal(Losses(plain), Losses(selective));
        Assert.All(TinyRun.Metrics(selective).Where(m => m.ContainsKey("loss")), m => Assert.False(m.ContainsKey("ref_loss"), "the reference was consulted"));
    }

    [Fact]
    public void Offline_scores_equal_online_reference_losses_for_the_same_batch()
    {
        string reference = TrainReference(30);
        string scores = data.NewRunDir();
        ReferenceScorer.Run(new ScoreOptions(reference, data.Noisy, scores, BatchSize: 7, Device: "cpu"));
        var config = TinyRun.Config();
        using var dataset = TokenDataset.Open(data.Noisy);
        var setup = new ReferenceRequest(dataset, config.Train.SeqLen, config.Train.Precision, torch.CPU);
        using var online = ReferenceLoader.Open(reference, null, setup)!;
        using var offline = ReferenceLoader.Open(null, scores, setup)!;
        var loader = new BatchLoader(dataset.Split("train"), 4, config.Train.SeqLen, 99, torch.CPU);
        for (int i = 0; i < 3; i++)
        {
            var batch = loader.Next();
            Assert.True(torch.allclose(online.Losses(batch), offline.Losses(batch), rtol: 1e-5, atol: 1e-5));
        }
    }

    [Fact]
    public void Scores_for_another_dataset_are_refused()
    {
        string reference = TrainReference(4);
        string scores = data.NewRunDir();
        ReferenceScorer.Run(new ScoreOptions(reference, data.Clean, scores, Device: "cpu"));
        var e = Assert.Throws<UserErrorException>(() => new Trainer(
            new TrainOptions(TinyRun.Config("train.steps=2", "selection.ratio=0.6"), data.Noisy, data.NewRunDir(), "cpu"),
            s => new SelectiveObjective(s.Config.Selection, ReferenceLoader.Open(null, scores, Request(s)), 2, 1)).Run());
        Assert.Contains("another dataset", e.Message);
    }

    [Fact]
    public void Slm_beats_the_plain_baseline_on_clean_heldout_text_for_several_seeds()
    {
        string reference = TrainReference(200);
        string scores = data.NewRunDir();
        ReferenceScorer.Run(new ScoreOptions(reference, data.Noisy, scores, BatchSize: 64, Device: "cpu"));
        foreach (int seed in new[] { 1, 2, 3 })
        {
            double Final(double ratio)
            {
                var config = TinyRun.Config("train.steps=300", "train.eval_every=0", "train.lr=2e-3", $"train.seed={seed}", $"selection.ratio={ratio}");
                var summary = new Trainer(new TrainOptions(config, data.Noisy, data.NewRunDir(), "cpu", TensorBoard: false) { EvalDataDir = data.Heldout },
                    s => new SelectiveObjective(s.Config.Selection, ratio < 1 ? ReferenceLoader.Open(null, scores, Request(s)) : null, 300, seed)).Run();
                return summary.FinalValLoss!.Value;
            }
            double baseline = Final(1.0), slm = Final(0.6);
            Assert.True(slm < baseline, $"seed {seed}: SLM {slm:F4} vs baseline {baseline:F4}");
        }
    }

    static ReferenceRequest Request(TrainingSetup s) => new(s.Dataset, s.Config.Train.SeqLen, s.Config.Train.Precision, s.Device);
}

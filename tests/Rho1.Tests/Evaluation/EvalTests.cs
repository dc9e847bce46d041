// `rho1 eval` on a held-out set prepared the way the README shows (--val-fraction 0): with no --split it
// evaluates the only split that holds tokens; asked for val explicitly, it says what each split holds.
using Rho1.Data.Prepare;
using Rho1.Evaluation;
using Rho1.Tests.Fixtures;

namespace Rho1.Tests.Evaluation;

[Collection("synthetic")]
public class EvalTests(SyntheticData data)
{
    [Fact]
    public void Held_out_data_without_a_val_split_is_evaluated_on_its_only_split()
    {
        string heldout = data.NewRunDir();
        DatasetPreparer.Run(new PrepareOptions([Path.Combine(data.Root, "raw", "heldout.jsonl")], heldout, "bytes") { ValFraction = 0 });
        string run = TinyRun.TrainPlain(data, data.Clean, 10);
        var r = CheckpointEvaluation.Run(new EvalOptions(run, heldout, Device: "cpu", MaxBatches: 2));
        var explicitTrain = CheckpointEvaluation.Run(new EvalOptions(run, heldout, Split: "train", Device: "cpu", MaxBatches: 2));
        Assert.Equal(explicitTrain, r);
        Assert.Equal(2 * 16 * 64, r.Tokens);
        var e = Assert.Throws<UserErrorException>(() => CheckpointEvaluation.Run(new EvalOptions(run, heldout, Split: "val", Device: "cpu")));
        Assert.Contains("val 0 tokens", e.Message);

        // analyze follows the same rule (it refused such a dataset while eval read it: issue 27), and says the same when asked for val.
        var analysis = Rho1.Evaluation.Dynamics.Analyze.Run(new Rho1.Evaluation.Dynamics.AnalyzeOptions([run, TinyRun.TrainPlain(data, data.Clean, 20)], heldout,
            data.NewRunDir(), MaxTokens: 2048, Device: "cpu"));
        using (var dataset = Rho1.Data.Reading.TokenDataset.Open(heldout))
            Assert.Equal("train", HeldOutSplit.Choose(dataset, null));
        Assert.True(analysis.Tokens > 0);
        Assert.Contains("val 0 tokens", Assert.Throws<UserErrorException>(() => Rho1.Evaluation.Dynamics.Analyze.Run(
            new Rho1.Evaluation.Dynamics.AnalyzeOptions([run, run], heldout, data.NewRunDir(), Split: "val", Device: "cpu"))).Message);
    }
}

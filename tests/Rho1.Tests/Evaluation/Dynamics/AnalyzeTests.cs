// `analyze` on generated data: the shares sum to one and match the classification.
using Rho1.Evaluation.Dynamics;
using Rho1.Tests.Fixtures;
using Rho1.Training;
using Rho1.Training.Objectives;

namespace Rho1.Tests.Evaluation.Dynamics;

[Collection("synthetic")]
public class AnalyzeTests(SyntheticData data)
{
    [Fact]
    public void Analyze_shares_sum_to_one_and_match_the_classification()
    {
        string run = data.NewRunDir();
        new Trainer(new TrainOptions(TinyRun.Config("train.steps=30", "train.eval_every=0", "train.checkpoint_every=10", "train.keep_checkpoints=5"),
            data.Clean, run, "cpu", TensorBoard: false), _ => new ClmObjective()).Run();
        string outDir = data.NewRunDir();
        var r = Analyze.Run(new AnalyzeOptions([Path.Combine(run, "checkpoints", "step-0000010"), Path.Combine(run, "checkpoints", "step-0000020"), Path.Combine(run, "final")],
            data.Heldout, outDir, Split: "train", MaxTokens: 4096, Device: "cpu"));
        Assert.Equal(4096, r.Tokens);
        Assert.Equal(1.0, r.Shares.Values.Sum(), 9);
        Assert.True(r.Shares["H->L"] > 0.5, "early training: most held-out tokens should be falling");
        foreach (string f in new[] { "token-categories.json", "token-categories.md", "token-categories.png" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);

        // Newest first gives the same analysis: checkpoints are put in training order by their step.
        string reversed = data.NewRunDir();
        var back = Analyze.Run(new AnalyzeOptions([Path.Combine(run, "final"), Path.Combine(run, "checkpoints", "step-0000020"), Path.Combine(run, "checkpoints", "step-0000010")],
            data.Heldout, reversed, Split: "train", MaxTokens: 4096, Device: "cpu"));
        Assert.Equal(r.Shares, back.Shares);
        Assert.Equal(File.ReadAllText(Path.Combine(outDir, "token-categories.md")), File.ReadAllText(Path.Combine(reversed, "token-categories.md")));
    }
}

// `rho1 score` interrupted at each stage ends with the bytes of an uninterrupted run: stopped between
// batches it resumes from progress.json; stopped after sealing it only publishes; and a leftover made for
// another request is never reused.
using Rho1.Reference;
using Rho1.Tests.Fixtures;
using Rho1.Training;
using Rho1.Training.Objectives;

namespace Rho1.Tests.Reference;

[Collection("synthetic")]
public class ReferenceScorerTests(SyntheticData data)
{
    static readonly string[] Published = [ScoreFile.DoneName, ScoreFile.MetaName, ScoreFile.FileName];

    (string Reference, string Straight) ReferenceAndScores()
    {
        string reference = data.NewRunDir();
        new Trainer(new TrainOptions(TinyRun.Config("train.steps=4", "train.eval_every=0"), data.Clean, reference, "cpu", TensorBoard: false), _ => new ClmObjective()).Run();
        string straight = data.NewRunDir();
        ReferenceScorer.Run(new ScoreOptions(reference, data.Noisy, straight, BatchSize: 8, Device: "cpu"));
        return (reference, straight);
    }

    static void AssertSameScores(string expected, string actual)
    {
        Assert.Equal(Published.Order(), Directory.GetFiles(actual).Select(Path.GetFileName).Order());
        foreach (string file in Published)
            Assert.True(File.ReadAllBytes(Path.Combine(expected, file)).SequenceEqual(File.ReadAllBytes(Path.Combine(actual, file))), $"{file} differs");
        Assert.False(Directory.Exists(actual + ".partial"));
    }

    static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    [Fact]
    public void Stopped_between_batches_resumes_to_the_same_bytes()
    {
        var (reference, straight) = ReferenceAndScores();
        string output = Path.Combine(data.NewRunDir(), "scores");
        var first = new List<long>();
        Assert.Throws<InterruptedException>(() => ReferenceScorer.Run(new ScoreOptions(reference, data.Noisy, output, BatchSize: 8, Device: "cpu")
        {
            SaveEverySeconds = 0,
            AfterBatch = done => { first.Add(done); if (first.Count == 2) throw new OperationCanceledException(); },
        }));
        Assert.False(Directory.Exists(output));
        var second = new List<long>();
        ReferenceScorer.Run(new ScoreOptions(reference, data.Noisy, output, BatchSize: 8, Device: "cpu") { AfterBatch = second.Add });
        Assert.Equal(first[1] + 8, second[0]); // continued after the second batch, not from the start
        AssertSameScores(straight, output);
    }

    [Fact]
    public void Stopped_after_sealing_publishes_without_scoring_again()
    {
        var (reference, straight) = ReferenceAndScores();
        string output = Path.Combine(data.NewRunDir(), "scores");
        CopyDirectory(straight, output + ".partial");
        // A kill between writing DONE and removing the progress files leaves both behind.
        File.WriteAllText(Path.Combine(output + ".partial", "progress-0.json"), "{}");
        File.WriteAllText(Path.Combine(output + ".partial", ".progress-0.json.tmp-1-x"), "{");
        ReferenceScorer.Run(new ScoreOptions(reference, data.Noisy, output, BatchSize: 8, Device: "cpu")
        {
            AfterBatch = _ => throw new Xunit.Sdk.XunitException("scored again although the partial was sealed"),
        });
        AssertSameScores(straight, output);
        Assert.Equal(["DONE", "meta.json", "scores.bin"], Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_sealed_partial_made_for_another_request_is_scored_again()
    {
        var (reference, straight) = ReferenceAndScores();
        string output = Path.Combine(data.NewRunDir(), "scores");
        CopyDirectory(straight, output + ".partial");
        int batches = 0;
        var meta = ReferenceScorer.Run(new ScoreOptions(reference, data.Noisy, output, BatchSize: 8, Device: "cpu", Precision: "bf16") { AfterBatch = _ => batches++ });
        Assert.True(batches > 0);
        Assert.Equal("bf16", meta.Precision);
        Assert.Contains("\"bf16\"", File.ReadAllText(Path.Combine(output, ScoreFile.MetaName)));
        Assert.Equal(Published.Order(), Directory.GetFiles(output).Select(Path.GetFileName).Order());
    }
}

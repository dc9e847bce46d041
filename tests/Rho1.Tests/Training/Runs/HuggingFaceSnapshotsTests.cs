// train.hf_export: Hugging Face copies of the model written while it trains, at every checkpoint or at chosen steps and
// at the end. Each must hold exactly the weights of the checkpoint of its step, load back as a model, and carry the
// training data's tokenizer files; a bad value is refused by key.
using Rho1.Data.Prepare;
using Rho1.Data.Tokenizers;
using Rho1.Model.Storage;
using Rho1.Tests.Data;
using Rho1.Tests.Fixtures;
using Rho1.Training;
using Rho1.Training.Objectives;
using Rho1.Training.Runs;
using TorchSharp;

namespace Rho1.Tests.Training.Runs;

[Collection("synthetic")]
public sealed class HuggingFaceSnapshotsTests(SyntheticData data) : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The clean corpus prepared with a tokenizer that has files (vocab.json + merges.txt), so that copies must carry them.</summary>
    string BpeDataset()
    {
        string tokenizer = _temp.Combine("tokenizer");
        TinyTokenizerFiles.WriteBpePair(tokenizer, withEndOfText: true);
        string dataset = _temp.Combine("data");
        DatasetPreparer.Run(new PrepareOptions([Path.Combine(data.Root, "raw", "clean.jsonl")], dataset, tokenizer) { ValFraction = 0.1, Seed = 1 });
        return dataset;
    }

    static string Train(string dataset, string run, string hfExport) =>
        new Trainer(new TrainOptions(TinyRun.Config("train.steps=4", "train.checkpoint_every=2", "train.keep_checkpoints=5", "train.eval_every=0",
            $"train.hf_export={hfExport}"), dataset, run, "cpu", TensorBoard: false), _ => new ClmObjective()).Run().FinalCheckpoint;

    static void AssertSameWeights(string checkpoint, string copy)
    {
        var expected = CheckpointFiles.ReadTensors(checkpoint, CheckpointFiles.ModelFile);
        using var loaded = ModelLoader.Load(copy, torch.CPU, precision: "fp32");
        var actual = loaded.Model.state_dict();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, tensor) in expected)
            Assert.True(tensor.shape.SequenceEqual(actual[name].shape) && tensor.eq(actual[name]).all().item<bool>(), $"{copy}: {name} differs from {checkpoint}");
    }

    [Fact]
    public void Copies_at_every_checkpoint_hold_its_weights_and_the_tokenizer_files()
    {
        string dataset = BpeDataset(), run = _temp.Combine("run");
        string final = Train(dataset, run, "checkpoints");
        string hf = Path.Combine(run, HuggingFaceSnapshots.Folder);
        Assert.Equal(["final", "step-0000002"], Directory.GetFileSystemEntries(hf).Select(Path.GetFileName).Order());
        AssertSameWeights(Path.Combine(run, "checkpoints", "step-0000002"), Path.Combine(hf, "step-0000002"));
        AssertSameWeights(final, Path.Combine(hf, "final"));
        foreach (string file in new[] { "model.safetensors", "config.json", "rho1.json", "vocab.json", "merges.txt" })
            Assert.True(File.Exists(Path.Combine(hf, "final", file)), $"hf/final lacks {file}");
        Assert.Equal(TokenizerFactory.ForDataset(dataset).Id, TokenizerFactory.HuggingFace(Path.Combine(hf, "final")).Id);
    }

    [Fact]
    public void Copies_at_chosen_steps_and_the_end_only()
    {
        string run = _temp.Combine("run-steps");
        Train(data.Clean, run, "1,3");
        Assert.Equal(["final", "step-0000001", "step-0000003"], Directory.GetFileSystemEntries(Path.Combine(run, HuggingFaceSnapshots.Folder)).Select(Path.GetFileName).Order());
        Train(data.Clean, _temp.Combine("run-none"), "");
        Assert.False(Directory.Exists(Path.Combine(_temp.Combine("run-none"), HuggingFaceSnapshots.Folder)));
    }

    [Theory]
    [InlineData("2,x")]
    [InlineData("0")]
    [InlineData("every")]
    public void A_bad_value_is_refused_by_key(string value) =>
        Assert.Contains("train.hf_export", Assert.Throws<UserErrorException>(() => TinyRun.Config($"train.hf_export={value}", "model.vocab_size=257").Validate()).Message);
}

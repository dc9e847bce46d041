// Export writes Hugging Face names and shapes that load back to the same values; sampling is seeded,
// continues the prompt, respects the token budget, and greedy decoding is deterministic.
using System.Text.Json.Nodes;
using Rho1.Evaluation;
using Rho1.Model.Storage;
using Rho1.Training;
using Rho1.Training.Objectives;
using TorchSharp;

namespace Rho1.Tests.Training;

[Collection("synthetic")]
public class ExportAndSampleTests(SyntheticData data)
{
    string TrainedRun()
    {
        string run = data.NewRunDir();
        new Trainer(new TrainOptions(TrainerTests.Tiny("train.steps=40", "train.eval_every=0"), data.Clean, run, "cpu", TensorBoard: false), _ => new ClmObjective()).Run();
        return run;
    }

    [Fact]
    public void Export_round_trips_weights_under_hugging_face_names()
    {
        string run = TrainedRun();
        string outDir = data.NewRunDir();
        HuggingFaceExport.Run(run, outDir, force: false);
        var exported = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(outDir, "model.safetensors"));
        using var loaded = ModelLoader.Load(run, torch.CPU);
        var model = loaded.Model;
        foreach (var (key, tensor) in model.state_dict())
        {
            string name = HuggingFaceExport.Name(key);
            Assert.True(exported.ContainsKey(name), name);
            Assert.True(exported[name].eq(tensor).all().item<bool>(), name);
        }
        Assert.Contains("model.layers.1.self_attn.o_proj.weight", exported.Keys);
        Assert.Contains("model.embed_tokens.weight", exported.Keys);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "config.json")))!;
        Assert.Equal("llama", config["model_type"]!.GetValue<string>());
        Assert.Equal(model.Config.Dim, config["hidden_size"]!.GetValue<int>());
        Assert.Equal(model.Config.Layers, config["num_hidden_layers"]!.GetValue<int>());
        Assert.Equal(257, config["vocab_size"]!.GetValue<int>());
        Assert.True(config["tie_word_embeddings"]!.GetValue<bool>());
        Assert.Throws<UserErrorException>(() => HuggingFaceExport.Run(run, outDir, force: false)); // never overwrites silently
    }

    [Fact]
    public void Sampling_is_seeded_and_continues_the_prompt()
    {
        string run = TrainedRun();
        string a = TextGenerator.Generate(new SampleOptions(run, "The ", 30, 0.8, 20, Seed: 5, Device: "cpu"));
        string b = TextGenerator.Generate(new SampleOptions(run, "The ", 30, 0.8, 20, Seed: 5, Device: "cpu"));
        string greedy1 = TextGenerator.Generate(new SampleOptions(run, "The ", 30, 0, 0, Seed: 1, Device: "cpu"));
        string greedy2 = TextGenerator.Generate(new SampleOptions(run, "The ", 30, 0, 0, Seed: 2, Device: "cpu"));
        Assert.Equal(a, b);
        Assert.Equal(greedy1, greedy2); // greedy ignores the seed
        Assert.StartsWith("The ", a);
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(a) - 4, 1, 30); // bytes tokenizer: one byte per token
        Assert.Equal("The ", TextGenerator.Generate(new SampleOptions(run, "The ", 0, 0.8, 20, Seed: 5, Device: "cpu")));
    }
}

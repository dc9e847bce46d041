// Export writes Hugging Face names and shapes that load back to the same values, and never overwrites.
using System.Text.Json.Nodes;
using Rho1.Model.Storage;
using Rho1.Tests.Fixtures;
using TorchSharp;

namespace Rho1.Tests.Model.Storage;

[Collection("synthetic")]
public class ExportTests(SyntheticData data)
{
    [Fact]
    public void Export_round_trips_weights_under_hugging_face_names()
    {
        string run = TinyRun.TrainPlain(data, data.Clean, 40);
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
        Assert.Equal(256, config["eos_token_id"]!.GetValue<int>());
        Assert.Null(config["bos_token_id"]); // the bytes vocabulary has no BOS: the key is left out, not set to EOS
        Assert.Throws<UserErrorException>(() => HuggingFaceExport.Run(run, outDir, force: false)); // never overwrites silently
    }

    [Fact]
    public void A_hugging_face_model_exported_again_keeps_its_own_bos_token_id()
    {
        string fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "hf-tiny-llama"); // config.json: bos 1, eos 2, no tokenizer files
        string outDir = data.NewRunDir();
        HuggingFaceExport.Run(fixture, outDir, force: false);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "config.json")))!;
        Assert.Equal(1, config["bos_token_id"]!.GetValue<int>());
        Assert.Equal(2, config["eos_token_id"]!.GetValue<int>());
    }
}

// The Llama family beyond Llama: Mistral (sliding window), Llama 3.1 (llama3 rope scaling, head size 8), Qwen2
// (q/k/v biases, tied head) and Qwen3 (per-head q/k norms, explicit head_dim). Each tiny model's logits must
// equal those scripts/fixtures/make-hf-fixture.py computes in float64 from the Hugging Face equations of its class; import →
// export → import must be bit-identical and export the same class; what Rho1 cannot honour is refused by name.
using System.Text.Json.Nodes;
using Rho1.Model;
using Rho1.Model.Storage;
using Rho1.Tests.Fixtures;
using TorchSharp;

namespace Rho1.Tests.Model.Storage;

public class HuggingFaceFamilyTests
{
    static string Fixture(string family) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "hf-tiny-" + family);

    static string CopyOf(string family, TempDirectory temp)
    {
        string dir = temp.Combine(family);
        Directory.CreateDirectory(dir);
        foreach (string f in Directory.GetFiles(Fixture(family))) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }

    [Theory]
    [InlineData("mistral")]
    [InlineData("llama31")]
    [InlineData("qwen2")]
    [InlineData("qwen3")]
    public void Each_family_gives_the_logits_of_its_hugging_face_equations(string family)
    {
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixture(family), "expected-logits.json")))!;
        long[] tokens = [.. expected["tokens"]!.AsArray().Select(t => (long)t!.GetValue<int>())];
        using var loaded = ModelLoader.Load(Fixture(family), torch.CPU, precision: "fp32");
        using var noGrad = torch.no_grad();
        var logits = loaded.Model.forward(torch.tensor(tokens, [1, tokens.Length]))[0].to(torch.float64); // (T, V)
        var want = torch.tensor(expected["logits"]!.AsArray().SelectMany(r => r!.AsArray().Select(v => v!.GetValue<double>())).ToArray(), [tokens.Length, 48]);
        double worst = (logits - want).abs().max().item<double>();
        Assert.True(worst < 1e-4, $"{family}: largest logit difference {worst}");
        // The switch the family needs must be what made the difference: without it the logits are far off.
        var c = loaded.Model.Config;
        var broken = family switch
        {
            "mistral" => c with { RopeTheta = 500000.0 }, // nothing else distinguishes it: a sanity check of the comparison itself
            "llama31" => c with { RopeScaling = null },
            "qwen2" => c with { QkvBias = false },
            _ => c with { QkNorm = false },
        };
        using var other = new Transformer(broken, seed: 0, initialise: false);
        var weights = loaded.Model.state_dict();
        foreach (var (name, p) in other.state_dict()) p.copy_(weights[name]);
        double off = (other.forward(torch.tensor(tokens, [1, tokens.Length]))[0].to(torch.float64) - want).abs().max().item<double>();
        Assert.True(off > 1e-2, $"{family}: without its switch the logits still agree ({off})");
    }

    [Fact]
    public void Family_switches_are_read_from_config_json()
    {
        var mistral = ModelLoader.Info(Fixture("mistral")).Config.Model;
        Assert.Equal(("mistral", 16), (mistral.Family, mistral.SlidingWindow));
        var llama = ModelLoader.Info(Fixture("llama31")).Config.Model;
        Assert.Equal(new RopeScaling { Type = "llama3", Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalContext = 128 }, llama.RopeScaling);
        Assert.Equal((8, 0), (llama.HeadDim, llama.ExplicitHeadDim)); // 16 / 2: head_dim in config.json, but not an override
        var qwen2 = ModelLoader.Info(Fixture("qwen2")).Config.Model;
        Assert.True(qwen2.QkvBias && qwen2.TiedEmbeddings && !qwen2.QkNorm);
        var qwen3 = ModelLoader.Info(Fixture("qwen3")).Config.Model;
        Assert.True(qwen3.QkNorm && !qwen3.QkvBias);
        Assert.Equal((8, 8, 4), (qwen3.HeadDim, qwen3.ExplicitHeadDim, qwen3.Dim / qwen3.Heads));
    }

    [Theory]
    [InlineData("llama", "LlamaForCausalLM")]
    [InlineData("mistral", "MistralForCausalLM")]
    [InlineData("llama31", "LlamaForCausalLM")]
    [InlineData("qwen2", "Qwen2ForCausalLM")]
    [InlineData("qwen3", "Qwen3ForCausalLM")]
    public void Import_export_import_is_bit_identical_in_the_same_class(string family, string architecture)
    {
        using var temp = new TempDirectory();
        using var first = ModelLoader.Load(Fixture(family), torch.CPU, precision: "fp32");
        string exported = temp.Combine("exported");
        HuggingFaceExport.Write(first.Model, first.Info, exported);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(exported, "config.json")))!;
        Assert.Equal(architecture, config["architectures"]![0]!.GetValue<string>());
        using var second = ModelLoader.Load(exported, torch.CPU, precision: "fp32");
        Assert.Equal(first.Model.Config, second.Model.Config);
        var a = first.Model.state_dict();
        var b = second.Model.state_dict();
        Assert.Equal(a.Keys, b.Keys);
        foreach (var (name, tensor) in a)
            Assert.True(tensor.eq(b[name]).all().item<bool>(), name);
        // The file itself is what transformers reads: every tensor under its Hugging Face name, none extra.
        using var file = SafetensorsFile.Open(Path.Combine(exported, "model.safetensors"));
        Assert.Equal(a.Keys.Select(HuggingFaceExport.Name).Order(), file.Entries.Keys.Order());
        if (family == "qwen2") Assert.Contains("model.layers.0.self_attn.q_proj.bias", file.Entries.Keys);
        if (family == "qwen3") Assert.Contains("model.layers.1.self_attn.k_norm.weight", file.Entries.Keys);
    }

    [Theory]
    [InlineData("llama31", "rope_scaling", "{\"rope_type\":\"dynamic\",\"factor\":2.0}", "rope_scaling of type dynamic is not supported")]
    [InlineData("llama31", "rope_scaling", "{\"rope_type\":\"longrope\",\"factor\":2.0}", "rope_scaling of type longrope is not supported")]
    [InlineData("qwen2", "use_sliding_window", "true", "use_sliding_window=true is not supported")]
    [InlineData("qwen3", "attention_bias", "true", "attention_bias=true is not supported")]
    [InlineData("llama", "mlp_bias", "true", "mlp_bias=true is not supported")]
    [InlineData("qwen2", "rope_scaling", "{\"type\":\"yarn\",\"factor\":4.0}", "rope_scaling of type yarn is not supported")]
    [InlineData("mistral", "architectures", "[\"MixtralForCausalLM\"]", "is not one Rho1 reads")]
    public void What_cannot_be_honoured_is_refused_by_name(string family, string key, string value, string expected)
    {
        using var temp = new TempDirectory();
        string dir = CopyOf(family, temp);
        string path = Path.Combine(dir, "config.json");
        var c = JsonNode.Parse(File.ReadAllText(path))!;
        c[key] = JsonNode.Parse(value);
        File.WriteAllText(path, c.ToJsonString());
        var e = Assert.Throws<UserErrorException>(() => ModelLoader.Load(dir, torch.CPU, precision: "fp32").Dispose());
        Assert.Contains(expected, e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void Mistral_refuses_sequences_longer_than_its_window_and_equals_full_attention_within_it()
    {
        using var loaded = ModelLoader.Load(Fixture("mistral"), torch.CPU, precision: "fp32");
        using var noGrad = torch.no_grad();
        var e = Assert.Throws<UserErrorException>(() => loaded.Model.forward(torch.zeros([1, 17], torch.int64)));
        Assert.Contains("sliding_window=16", e.Message);
        var config = new Rho1.Training.Configuration.RunConfig { Model = loaded.Model.Config, Train = new() { SeqLen = 32 } };
        Assert.Contains("sliding_window=16", Assert.Throws<UserErrorException>(config.Validate).Message);
        Assert.Equal(16, loaded.Model.forward(torch.zeros([1, 16], torch.int64)).shape[1]);
    }

    [Fact]
    public void A_plain_llama_config_serialises_as_before()
    {
        // Checkpoints written before the family switches existed must read and write unchanged: no new keys at defaults.
        string json = System.Text.Json.JsonSerializer.Serialize(new ModelConfig { VocabSize = 10 });
        foreach (string key in new[] { "family", "head_dim", "qkv_bias", "qk_norm", "rope_scaling", "sliding_window" })
            Assert.DoesNotContain($"\"{key}\"", json);
        Assert.Contains("\"qk_norm\":true", System.Text.Json.JsonSerializer.Serialize(new ModelConfig { VocabSize = 10, QkNorm = true }));
    }
}

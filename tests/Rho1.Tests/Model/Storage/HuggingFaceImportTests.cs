// Reading Hugging Face Llama directories: a tiny GQA, untied, rope_theta 500000 model in two bf16 shards gives the
// logits an independent implementation computed (scripts/fixtures/make-hf-fixture.py, float64 from the HF equations);
// each kind of bad directory is one clear error (import → export → import: HuggingFaceFamilyTests).
using System.Text.Json.Nodes;
using Rho1.Model.Storage;
using Rho1.Tests.Fixtures;
using TorchSharp;

namespace Rho1.Tests.Model.Storage;

public class HuggingFaceImportTests
{
    static string Fixture => Path.Combine(AppContext.BaseDirectory, "Fixtures", "hf-tiny-llama");

    static string CopyOfFixture(TempDirectory temp)
    {
        string dir = temp.Combine("model");
        Directory.CreateDirectory(dir);
        foreach (string f in Directory.GetFiles(Fixture)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }

    [Fact]
    public void A_sharded_bf16_gqa_untied_llama_gives_the_reference_logits()
    {
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixture, "expected-logits.json")))!;
        long[] tokens = [.. expected["tokens"]!.AsArray().Select(t => (long)t!.GetValue<int>())];
        using var loaded = ModelLoader.Load(Fixture, torch.CPU, precision: "fp32");
        Assert.Equal(2, loaded.Model.Config.KvHeads);
        Assert.False(loaded.Model.Config.TiedEmbeddings);
        Assert.Equal(500000.0, loaded.Model.Config.RopeTheta);
        using var noGrad = torch.no_grad();
        var logits = loaded.Model.forward(torch.tensor(tokens, [1, tokens.Length]))[0]; // (T, V)
        var rows = expected["logits"]!.AsArray();
        double worst = 0;
        for (int t = 0; t < tokens.Length; t++)
            for (int v = 0; v < 48; v++)
                worst = Math.Max(worst, Math.Abs(logits[t, v].item<float>() - rows[t]![v]!.GetValue<double>()));
        Assert.True(worst < 1e-3, $"largest logit difference {worst}");
    }

    [Theory]
    [InlineData("architecture", "GPTNeoXForCausalLM")]
    [InlineData("missing-shard", "model-00002-of-00002.safetensors: missing")]
    [InlineData("truncated", "truncated")]
    [InlineData("shape", "config.json makes it")]
    [InlineData("rope-scaling", "rope_scaling of type yarn is not supported")]
    public void A_bad_directory_is_one_clear_error(string damage, string expected)
    {
        using var temp = new TempDirectory();
        string dir = CopyOfFixture(temp);
        string config = Path.Combine(dir, "config.json");
        var c = JsonNode.Parse(File.ReadAllText(config))!;
        switch (damage)
        {
            case "architecture": c["architectures"] = new JsonArray("GPTNeoXForCausalLM"); break;
            case "missing-shard": File.Delete(Path.Combine(dir, "model-00002-of-00002.safetensors")); break;
            case "truncated":
                string shard = Path.Combine(dir, "model-00001-of-00002.safetensors");
                File.WriteAllBytes(shard, File.ReadAllBytes(shard)[..^100]);
                break;
            case "shape": c["intermediate_size"] = 48; break;
            case "rope-scaling": c["rope_scaling"] = new JsonObject { ["rope_type"] = "yarn", ["factor"] = 4.0 }; break;
        }
        File.WriteAllText(config, c.ToJsonString());
        var e = Assert.Throws<UserErrorException>(() => ModelLoader.Load(dir, torch.CPU, precision: "fp32").Dispose());
        Assert.Contains(expected, e.Message);
    }
}

// Config files and --set overrides: values land where they should, and every mistake is an error that
// names the key (and, for files, the line).
using Rho1.Training.Configuration;

namespace Rho1.Tests.Training.Configuration;

public class ConfigLoaderTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("rho1-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string File(string text)
    {
        string path = Path.Combine(_dir, $"c{Guid.NewGuid():N}.json");
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void File_then_overrides_in_order()
    {
        string path = File("{\n  \"model\": { \"dim\": 64, \"heads\": 2 },\n  \"train\": { \"steps\": 10, \"lr\": 0.01 }\n}");
        var c = ConfigLoader.Load(path, new[] { "train.steps=200", "train.lr=3e-4", "train.precision=bf16", "model.tied_embeddings=false", "train.steps=300" });
        Assert.Equal(64, c.Model.Dim);
        Assert.Equal(2, c.Model.Heads);
        Assert.Equal(300, c.Train.Steps);
        Assert.Equal(3e-4, c.Train.Lr);
        Assert.Equal("bf16", c.Train.Precision);
        Assert.False(c.Model.TiedEmbeddings);
        Assert.Equal(new TrainConfig().BatchSize, c.Train.BatchSize); // untouched default
    }

    [Theory]
    [InlineData("train.stepz=5", "unknown key 'train.stepz'")]
    [InlineData("trian.steps=5", "unknown section 'trian'")]
    [InlineData("train.steps", "expected section.key=value")]
    [InlineData("train.steps=abc", "train.steps")]
    [InlineData("train.steps=1.5", "train.steps")]
    [InlineData("model.tied_embeddings=7", "model.tied_embeddings")]
    [InlineData("train.lr=true", "train.lr")]
    public void Bad_overrides_name_the_key(string assignment, string expected)
    {
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load(null, new[] { assignment }));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Unknown_key_in_a_file_names_file_line_and_key()
    {
        string path = File("{\n  \"train\": {\n    \"steps\": 10,\n    \"warmup\": 5\n  }\n}");
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load(path, Array.Empty<string>()));
        Assert.Contains($"{path}:4", e.Message);
        Assert.Contains("train.warmup", e.Message);
    }

    [Fact]
    public void Wrong_type_in_a_file_names_the_key()
    {
        string path = File("{ \"train\": { \"steps\": \"many\" } }");
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load(path, Array.Empty<string>()));
        Assert.Contains("train.steps", e.Message);
    }

    [Fact]
    public void Malformed_json_names_the_line()
    {
        string path = File("{\n  \"train\": {\n    \"steps\": 10,,\n  }\n}");
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load(path, Array.Empty<string>()));
        Assert.Contains($"{path}:3", e.Message);
        Assert.Contains("malformed JSON", e.Message);
    }

    [Fact]
    public void Missing_file_is_a_user_error() =>
        Assert.Contains("not found", Assert.Throws<UserErrorException>(() => ConfigLoader.Load(Path.Combine(_dir, "nope.json"), Array.Empty<string>())).Message);

    [Fact]
    public void Out_of_range_values_fail_validation_by_key()
    {
        var c = ConfigLoader.Load(null, new[] { "train.steps=-3", "model.vocab_size=10" });
        Assert.Contains("train.steps", Assert.Throws<UserErrorException>(c.Validate).Message);
        var d = ConfigLoader.Load(null, new[] { "train.seq_len=1000", "model.vocab_size=10" });
        Assert.Contains("context_length", Assert.Throws<UserErrorException>(d.Validate).Message);
    }

    [Fact]
    public void Round_trips_through_json()
    {
        var c = ConfigLoader.Load(null, new[] { "train.steps=7", "selection.ratio=0.6" });
        Assert.Equal(c, ConfigLoader.FromJson(ConfigLoader.ToJson(c), "test"));
    }

    public static TheoryData<string> Families => new() { "mistral", "llama31", "qwen2", "qwen3" };

    /// <summary>A run's config.json is a valid --config: every key the trainer writes (the family switches too), the loader reads back to the same config.</summary>
    [Theory]
    [MemberData(nameof(Families))]
    public void A_runs_config_json_of_every_family_loads_back_as_the_same_config(string family)
    {
        var model = Rho1.Model.Storage.ModelLoader.Info(Path.Combine(AppContext.BaseDirectory, "Fixtures", "hf-tiny-" + family)).Config.Model;
        var c = ConfigLoader.Load(null, ["train.steps=7", "selection.ratio=0.6"]) with { Model = model };
        var changes = new[] { new Rho1.Training.Runs.ConfigChange(5, "train.steps", 3, 7) };
        string path = File(ConfigLoader.ToJson(c, changes));
        Assert.Equal(c, ConfigLoader.Load(path, []));
        // And as --set overrides, key by key (rope_scaling as a JSON object).
        Assert.Equal(c, ConfigLoader.Load(null, ConfigLoader.ToNode(c).SelectMany(section => section.Value!.AsObject().Select(kv =>
            $"{section.Key}.{kv.Key}={(kv.Value?.GetValueKind() == System.Text.Json.JsonValueKind.String ? kv.Value.GetValue<string>() : kv.Value?.ToJsonString() ?? "null")}"))));
    }

    [Fact]
    public void Family_switches_can_be_set_like_any_key()
    {
        var c = ConfigLoader.Load(null, ["model.family=qwen3", "model.qk_norm=true", "model.head_dim=32", "model.sliding_window=0"]);
        Assert.Equal(("qwen3", true, 32), (c.Model.Family, c.Model.QkNorm, c.Model.ExplicitHeadDim));
        Assert.Contains("model.qk_norm", Assert.Throws<UserErrorException>(() => ConfigLoader.Load(null, ["model.qk_norm=7"])).Message);
    }

    [Fact]
    public void Every_preset_loads_and_validates()
    {
        string configs = Path.Combine(AppContext.BaseDirectory, "configs");
        string[] presets = Directory.GetFiles(configs, "*.json");
        Assert.Contains(presets, p => p.EndsWith("tiny.json"));
        Assert.True(presets.Length >= 4);
        foreach (string p in presets)
        {
            var c = ConfigLoader.Load(p, new[] { "model.vocab_size=32000" });
            c.Validate();
        }
    }
}

// config.json of the Llama-family models Rho1 reads and writes, translated to and from ModelConfig. One decoder
// with switches covers them: LlamaForCausalLM (optionally with llama3 or linear rope_scaling), MistralForCausalLM
// (a sliding window Rho1 honours by refusing longer sequences), Qwen2ForCausalLM (q/k/v biases) and
// Qwen3ForCausalLM (per-head q/k norms, explicit head_dim). Whatever would change the model's outputs and is not
// one of these switches is refused by name, never ignored.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rho1.Model.Storage;

public static class HuggingFaceConfig
{
    static readonly Dictionary<string, string> Families = new(StringComparer.Ordinal)
    {
        ["LlamaForCausalLM"] = "llama", ["MistralForCausalLM"] = "mistral", ["Qwen2ForCausalLM"] = "qwen2", ["Qwen3ForCausalLM"] = "qwen3",
    };

    /// <summary>The model shape of <paramref name="path"/> (a config.json) and its eos_token_id (the first of a list).</summary>
    public static (ModelConfig Config, int EosId) Read(string path)
    {
        JsonObject c;
        try { c = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new UserErrorException($"{path}: not valid JSON ({e.Message})", e); }
        var architectures = c["architectures"]?.AsArray().Select(a => a?.GetValue<string>() ?? "").ToList() ?? [];
        string? family = architectures.Select(a => Families.GetValueOrDefault(a)).FirstOrDefault(f => f != null);
        if (family is null)
            throw new UserErrorException($"{path}: architectures [{string.Join(", ", architectures)}] is not one Rho1 reads ({string.Join(", ", Families.Keys)})");
        void Refuse(string what) => throw new UserErrorException($"{path}: {what}");
        bool Flag(string key) => c[key] is { } v && v.GetValueKind() == JsonValueKind.True;
        int Int(string key) => c[key]?.GetValue<int>() ?? throw new UserErrorException($"{path}: lacks {key}");

        if (c["hidden_act"]?.GetValue<string>() is { } act && act != "silu")
            Refuse($"hidden_act {act} is not supported (Rho1's MLP is SwiGLU with silu)");
        if (Flag("mlp_bias"))
            Refuse("mlp_bias=true is not supported (no Llama-family checkpoint Rho1 reads has MLP biases)");
        if (Flag("attention_bias"))
            Refuse($"attention_bias=true is not supported for {family} (it would add an o_proj bias; Qwen2's q/k/v biases are read as Qwen2ForCausalLM)");
        if (family is "qwen2" or "qwen3" && Flag("use_sliding_window"))
            Refuse("use_sliding_window=true is not supported (Rho1 attends over the whole window; Qwen's base models set it false)");

        // transformers 5 moves rope_theta and the scaling into rope_parameters; older files have rope_theta and rope_scaling.
        var rope = c["rope_parameters"] as JsonObject;
        double theta = rope?["rope_theta"]?.GetValue<double>() ?? c["rope_theta"]?.GetValue<double>() ?? 10000.0;
        var scaling = Scaling(rope ?? c["rope_scaling"] as JsonObject, path);
        if (scaling != null && family != "llama")
            Refuse($"rope_scaling of type {scaling.Type} is read for LlamaForCausalLM only, not for {family}");

        int heads = Int("num_attention_heads"), kvHeads = c["num_key_value_heads"]?.GetValue<int>() ?? heads, dim = Int("hidden_size");
        int headDim = c["head_dim"]?.GetValueKind() == JsonValueKind.Number ? c["head_dim"]!.GetValue<int>() : 0;
        int window = family == "mistral" && c["sliding_window"]?.GetValueKind() == JsonValueKind.Number ? c["sliding_window"]!.GetValue<int>() : 0;
        var config = new ModelConfig
        {
            Family = family == "llama" ? null : family,
            VocabSize = Int("vocab_size"), ContextLength = Int("max_position_embeddings"), Dim = dim, Layers = Int("num_hidden_layers"),
            Heads = heads, KvHeads = kvHeads == heads ? 0 : kvHeads, FfnDim = Int("intermediate_size"),
            ExplicitHeadDim = headDim > 0 && (dim % heads != 0 || headDim != dim / heads) ? headDim : 0,
            RopeTheta = theta, NormEps = c["rms_norm_eps"]?.GetValue<double>() ?? 1e-6,
            TiedEmbeddings = c["tie_word_embeddings"]?.GetValue<bool>() ?? false,
            QkvBias = family == "qwen2", QkNorm = family == "qwen3", RopeScaling = scaling, SlidingWindow = window,
        };
        try { config.Validate(); }
        catch (UserErrorException e) { throw new UserErrorException($"{path}: {e.Message}", e); }
        int eos = c["eos_token_id"] is JsonArray many ? many[0]!.GetValue<int>() : c["eos_token_id"]?.GetValue<int>() ?? 0;
        return (config, eos);
    }

    /// <summary>The rope_scaling (or rope_parameters) object as a RopeScaling; null when absent or of the unscaled "default" type.</summary>
    static RopeScaling? Scaling(JsonObject? s, string path)
    {
        if (s is null) return null;
        string type = s["rope_type"]?.GetValue<string>() ?? s["type"]?.GetValue<string>() ?? "default";
        if (type == "default") return null;
        if (type is not ("llama3" or "linear"))
            throw new UserErrorException($"{path}: rope_scaling of type {type} is not supported (Rho1 reads llama3 and linear scaling; {s.ToJsonString()})");
        double D(string key) => s[key]?.GetValue<double>() ?? 0;
        var scaling = new RopeScaling
        {
            Type = type, Factor = D("factor"), LowFreqFactor = type == "llama3" ? D("low_freq_factor") : 0,
            HighFreqFactor = type == "llama3" ? D("high_freq_factor") : 0,
            OriginalContext = type == "llama3" ? s["original_max_position_embeddings"]?.GetValue<int>() ?? 0 : 0,
        };
        try { scaling.Validate(); }
        catch (UserErrorException e) { throw new UserErrorException($"{path}: {e.Message}", e); }
        return scaling;
    }

    /// <summary>
    /// The config.json of <paramref name="c"/> in its family's own class, so transformers loads it as that class; a
    /// combination of switches the class cannot express is refused.
    /// </summary>
    public static JsonObject Write(ModelConfig c, int eosId, int? bosId)
    {
        string family = c.Family ?? "llama";
        bool llamaLike = family is "llama" or "mistral";
        if ((llamaLike && (c.QkvBias || c.QkNorm)) || (family == "qwen2" && (!c.QkvBias || c.QkNorm)) || (family == "qwen3" && (c.QkvBias || !c.QkNorm)))
            throw new UserErrorException($"model.family={family} with qkv_bias={c.QkvBias} and qk_norm={c.QkNorm} has no Hugging Face class to export to");
        if (c.RopeScaling != null && family != "llama")
            throw new UserErrorException($"model.rope_scaling is exported for model.family=llama only, not {family}");
        if (c.SlidingWindow > 0 && family != "mistral")
            throw new UserErrorException($"model.sliding_window is exported for model.family=mistral only, not {family}");
        string architecture = Families.First(kv => kv.Value == family).Key;
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray(architecture), ["model_type"] = family,
            ["vocab_size"] = c.VocabSize, ["hidden_size"] = c.Dim, ["intermediate_size"] = c.FfnDim,
            ["num_hidden_layers"] = c.Layers, ["num_attention_heads"] = c.Heads, ["num_key_value_heads"] = c.EffectiveKvHeads,
            ["head_dim"] = c.HeadDim, ["max_position_embeddings"] = c.ContextLength, ["rms_norm_eps"] = c.NormEps, ["rope_theta"] = c.RopeTheta,
            ["hidden_act"] = "silu", ["tie_word_embeddings"] = c.TiedEmbeddings, ["torch_dtype"] = "float32", ["eos_token_id"] = eosId,
        };
        switch (family)
        {
            case "llama":
                config["attention_bias"] = false;
                config["mlp_bias"] = false;
                config["rope_scaling"] = c.RopeScaling is { } s ? JsonSerializer.SerializeToNode(s) : null;
                break;
            case "mistral":
                config["sliding_window"] = c.SlidingWindow > 0 ? c.SlidingWindow : null;
                break;
            default: // qwen2, qwen3
                if (family == "qwen3") config["attention_bias"] = false;
                config["use_sliding_window"] = false;
                config["sliding_window"] = null;
                config["max_window_layers"] = c.Layers;
                config["rope_scaling"] = null;
                break;
        }
        if (bosId is { } bos)
            config["bos_token_id"] = bos;
        return config;
    }
}

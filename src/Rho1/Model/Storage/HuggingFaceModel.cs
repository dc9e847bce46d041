// Reading a Hugging Face Llama-family directory (config.json of a Llama, Mistral, Qwen2 or Qwen3 model, weights in model.safetensors or in
// shards listed by model.safetensors.index.json, stored as fp32, bf16 or fp16), the inverse of HuggingFaceExport.
// Weights stream in pieces of at most 16M elements into the fp32 model, so peak memory is the model plus one piece.
// Rho1's own exports add rho1.json (tokenizer identity, window length), which makes them interchangeable with
// the checkpoints they came from.
using System.Text.Json;
using System.Text.Json.Nodes;
using Rho1.Data.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Model.Storage;

public static class HuggingFaceModel
{
    public const string ConfigFile = "config.json", WeightsFile = "model.safetensors", IndexFile = "model.safetensors.index.json", SidecarFile = "rho1.json";

    /// <summary>Whether <paramref name="dir"/> holds a Hugging Face model (config.json beside safetensors weights or their index).</summary>
    public static bool IsModelDirectory(string dir) =>
        File.Exists(Path.Combine(dir, ConfigFile)) && (File.Exists(Path.Combine(dir, WeightsFile)) || File.Exists(Path.Combine(dir, IndexFile)));

    /// <summary>The model shape of the directory's config.json (see HuggingFaceConfig); anything Rho1 cannot honour is refused by name.</summary>
    public static (ModelConfig Config, int EosId) ReadConfig(string dir) => HuggingFaceConfig.Read(Path.Combine(dir, ConfigFile));

    /// <summary>Whether <paramref name="dir"/> holds the model's own tokenizer files (tokenizer.model or tokenizer.json).</summary>
    public static bool HasTokenizer(string dir) =>
        File.Exists(Path.Combine(dir, "tokenizer.model")) || File.Exists(Path.Combine(dir, "tokenizer.json")) || File.Exists(Path.Combine(dir, "vocab.json"));

    /// <summary>config.json's bos_token_id (the first of a list), or null when it names none.</summary>
    public static int? BosId(string dir)
    {
        var bos = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, ConfigFile)))?["bos_token_id"];
        return bos is JsonArray many ? many.FirstOrDefault()?.GetValue<int>() : bos?.GetValueKind() == JsonValueKind.Number ? bos.GetValue<int>() : null;
    }

    /// <summary>What the rest of Rho1 needs to know about the model, as a checkpoint would say it.</summary>
    public static CheckpointInfo Info(string dir)
    {
        var (config, eos) = ReadConfig(dir);
        foreach (string file in WeightMap(dir).Values.Distinct())
            SafetensorsFile.Open(file).Dispose(); // headers only: a missing or truncated shard is refused before anything is built
        var sidecar = File.Exists(Path.Combine(dir, SidecarFile)) ? JsonNode.Parse(File.ReadAllText(Path.Combine(dir, SidecarFile)))?.AsObject() : null;
        // Without Rho1's sidecar, the model's own tokenizer files (if any) give the identity a dataset prepared with hf:DIR records.
        var tokenizer = sidecar is null && HasTokenizer(dir) ? TokenizerFactory.HuggingFace(dir) : null;
        return new CheckpointInfo
        {
            Step = 0,
            Config = new CheckpointInfo.ConfigPart
            {
                Model = config,
                Train = new CheckpointInfo.TrainPart { SeqLen = sidecar?["seq_len"]?.GetValue<int>() ?? Math.Min(config.ContextLength, 1024), Precision = "fp32" },
            },
            Tokenizer = sidecar?["tokenizer"]?.GetValue<string>() ?? tokenizer?.Id ?? "",
            VocabSize = sidecar?["vocab_size"]?.GetValue<int>() ?? tokenizer?.VocabSize ?? config.VocabSize,
            EosId = sidecar?["eos_id"]?.GetValue<int>() ?? tokenizer?.EosId ?? eos,
            TokenizerDirectory = HasTokenizer(dir) ? dir : null,
        };
    }

    /// <summary>The safetensors files of the model: the single file, or every shard the index names (each must exist).</summary>
    public static Dictionary<string, string> WeightMap(string dir)
    {
        string index = Path.Combine(dir, IndexFile);
        if (!File.Exists(index))
            return new Dictionary<string, string>(StringComparer.Ordinal) { ["*"] = Path.Combine(dir, WeightsFile) };
        try
        {
            var map = JsonNode.Parse(File.ReadAllText(index))?["weight_map"]?.AsObject() ?? throw new JsonException("no weight_map");
            return map.ToDictionary(kv => kv.Key, kv => Path.Combine(dir, kv.Value!.GetValue<string>()), StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new UserErrorException($"{index}: not a valid safetensors index ({e.Message})", e);
        }
    }

    /// <summary>Streams the weights of <paramref name="dir"/> into <paramref name="model"/>, checking every name and shape.</summary>
    public static void LoadWeights(Transformer model, string dir)
    {
        var files = WeightMap(dir).Values.Distinct().ToList();
        var opened = new List<SafetensorsFile>();
        try
        {
            foreach (string f in files) opened.Add(SafetensorsFile.Open(f));
            var where = opened.SelectMany(f => f.Entries.Keys.Select(k => (Name: k, File: f))).GroupBy(x => x.Name).ToDictionary(g => g.Key, g => g.First().File);
            using var noGrad = torch.no_grad();
            foreach (var (key, dst) in model.state_dict())
            {
                string name = HuggingFaceExport.Name(key);
                if (!where.TryGetValue(name, out var file))
                    throw new UserErrorException($"{dir}: the weights lack '{name}' (config.json describes a model that has it)");
                var entry = file.Entries[name];
                if (!entry.Shape.SequenceEqual(dst.shape))
                    throw new UserErrorException($"{file.Path}: '{name}' has shape [{string.Join(",", entry.Shape)}] but config.json makes it [{string.Join(",", dst.shape)}]");
                file.ReadInto(name, dst);
            }
            var own = model.state_dict().Keys.Select(HuggingFaceExport.Name).ToHashSet();
            if (where.Keys.FirstOrDefault(n => !own.Contains(n) && !(n == "lm_head.weight" && model.Config.TiedEmbeddings)) is { } extra)
                throw new UserErrorException($"{where[extra].Path}: holds '{extra}', which a Llama of this config.json does not have");
        }
        finally
        {
            foreach (var f in opened) f.Dispose();
        }
        model.WeightsChanged();
    }
}

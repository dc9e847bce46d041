// `rho1 export`: weights as safetensors under Hugging Face Llama names ("model." prefix, lm_head), plus a
// LlamaForCausalLM config.json, so `transformers.AutoModelForCausalLM.from_pretrained(DIR)` loads them. The
// export is written to a hidden temporary directory and renamed into place, so --out never holds weights
// from one checkpoint beside a config.json from another.
using System.Text.Json;
using System.Text.Json.Nodes;
using Rho1.Data.Tokenizers;
using Rho1.IO;
using static TorchSharp.torch;

namespace Rho1.Model.Storage;

public static class HuggingFaceExport
{
    /// <summary>Hugging Face name of one of our state-dict keys.</summary>
    public static string Name(string key) => key switch
    {
        "embed_tokens" => "model.embed_tokens.weight",
        "lm_head.weight" => "lm_head.weight",
        _ => "model." + key,
    };

    /// <summary>
    /// Exports the model of a checkpoint or run directory to <paramref name="outDir"/>; returns the weights file. A Rho1
    /// checkpoint is streamed one tensor at a time (CheckpointExport), its fp32 master weights taken from the optimizer
    /// parts where train.zero=2 left them there; a Hugging Face directory is loaded and written again.
    /// </summary>
    public static string Run(string modelPath, string outDir, bool force)
    {
        OutputDirectory.RequireWritable("--out", outDir, OutputDirectory.Kind.Export, force);
        string dir = CheckpointSearch.Resolve(modelPath);
        string temp = AtomicDirectory.TempFor(outDir);
        try
        {
            if (HuggingFaceModel.IsModelDirectory(dir))
            {
                using var loaded = ModelLoader.Load(dir, CPU, precision: "fp32");
                var tokenizer = HuggingFaceModel.HasTokenizer(dir) ? TokenizerFactory.HuggingFace(dir) : ModelTokenizer.TryFind(loaded.Info);
                Write(loaded.Model, loaded.Info, temp, BeginOfSequence(dir, loaded.Info), tokenizer, dir);
            }
            else
            {
                var info = ModelLoader.Info(dir);
                CheckpointExport.Write(dir, info, temp);
                WriteCompanions(info.Config.Model, info, temp, BeginOfSequence(dir, info), ModelTokenizer.TryFind(info), null);
            }
            AtomicDirectory.Publish(temp, outDir);
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
        return Path.Combine(outDir, WeightsFile);
    }

    /// <summary>
    /// The model's beginning-of-sequence id: its tokenizer's (none for GPT-2's and the bytes vocabulary); for a Hugging Face
    /// directory without tokenizer files, the one its config.json gives; null: none to write.
    /// </summary>
    public static int? BeginOfSequence(string modelPath, CheckpointInfo info)
    {
        if (HuggingFaceModel.IsModelDirectory(modelPath))
            return HuggingFaceModel.HasTokenizer(modelPath) ? TokenizerFactory.HuggingFace(modelPath).BosId : HuggingFaceModel.BosId(modelPath);
        return ModelTokenizer.TryFind(info)?.BosId;
    }

    /// <summary>
    /// Writes weights, config.json and rho1.json (tokenizer identity, vocabulary, EOS, window length) to <paramref name="outDir"/>;
    /// config.json names <paramref name="bosId"/> as bos_token_id, or leaves the key out when it is null.
    /// </summary>
    public static void Write(Transformer model, CheckpointInfo info, string outDir, int? bosId = null, ITextTokenizer? tokenizer = null, string? sourceDir = null)
    {
        HuggingFaceConfig.Write(model.Config, info.EosId, bosId); // refuses a model its family's class cannot hold, before anything is written
        Directory.CreateDirectory(outDir);
        var tensors = model.state_dict().Select(kv => (Name: Name(kv.Key), Tensor: kv.Value.detach().cpu())).ToList();
        string weights = Path.Combine(outDir, WeightsFile);
        string tmp = weights + ".tmp";
        SafetensorsFile.Write(tmp, tensors);
        File.Move(tmp, weights, overwrite: true);
        foreach (var (_, t) in tensors) t.Dispose();
        WriteCompanions(model.Config, info, outDir, bosId, tokenizer, sourceDir);
    }

    /// <summary>The weights file of an export.</summary>
    public const string WeightsFile = "model.safetensors";

    /// <summary>Everything of an export but its weights: config.json, rho1.json (tokenizer identity, vocabulary, EOS, window length) and the tokenizer's files.</summary>
    public static void WriteCompanions(ModelConfig model, CheckpointInfo info, string outDir, int? bosId, ITextTokenizer? tokenizer, string? sourceDir)
    {
        var config = HuggingFaceConfig.Write(model, info.EosId, bosId);
        AtomicFile.WriteAllText(Path.Combine(outDir, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var sidecar = new JsonObject { ["tokenizer"] = info.Tokenizer, ["vocab_size"] = info.VocabSize, ["eos_id"] = info.EosId, ["seq_len"] = info.SeqLen };
        AtomicFile.WriteAllText(Path.Combine(outDir, HuggingFaceModel.SidecarFile), sidecar.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (tokenizer != null)
            WriteTokenizer(tokenizer, outDir, sourceDir);
    }

    /// <summary>Hugging Face files besides the tokenizer's own that say how it frames text, copied from a source directory when it has them.</summary>
    static readonly string[] CompanionFiles = ["special_tokens_map.json", "generation_config.json"];

    /// <summary>
    /// Copies the tokenizer's files into the export (a SentencePiece model as tokenizer.model, the name transformers
    /// looks for) and, from a Hugging Face source, its special_tokens_map.json and generation_config.json; without a
    /// source, special_tokens_map.json is derived from tokenizer_config.json. Built-in vocabularies (gpt2, bytes) have no files.
    /// </summary>
    static void WriteTokenizer(ITextTokenizer tokenizer, string outDir, string? sourceDir)
    {
        foreach (string file in tokenizer.Files)
        {
            string name = file.EndsWith(".model", StringComparison.OrdinalIgnoreCase) ? "tokenizer.model" : Path.GetFileName(file);
            File.Copy(file, Path.Combine(outDir, name), overwrite: true);
        }
        foreach (string name in CompanionFiles)
            if (sourceDir != null && File.Exists(Path.Combine(sourceDir, name)))
                File.Copy(Path.Combine(sourceDir, name), Path.Combine(outDir, name), overwrite: true);
        string map = Path.Combine(outDir, CompanionFiles[0]), config = Path.Combine(outDir, "tokenizer_config.json");
        if (!File.Exists(map) && File.Exists(config) && JsonNode.Parse(File.ReadAllText(config)) is JsonObject c)
        {
            var special = new JsonObject();
            foreach (string key in new[] { "bos_token", "eos_token", "unk_token", "pad_token" })
                if (c[key] is { } token && token.GetValueKind() != JsonValueKind.Null)
                    special[key] = token.DeepClone();
            AtomicFile.WriteAllText(map, special.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
    }
}

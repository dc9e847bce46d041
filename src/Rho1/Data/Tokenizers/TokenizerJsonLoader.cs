// A Hugging Face tokenizer.json holding a byte-level BPE (GPT-2 style: GPT-2, Llama 3 and most GPT-like models),
// loaded into a ByteLevelBpeTextTokenizer from its vocabulary and merges. The pre-tokenizer's Split
// regex is used when the file has one, else GPT-2's; end of text is tokenizer_config.json's eos_token when that
// file lies beside it, else a conventional end-of-text token, else a synthetic id past the vocabulary. Other model
// types (WordPiece, Unigram) are refused by name.
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Rho1.Data.Tokenizers;

internal static class TokenizerJsonLoader
{
    public const string FileName = "tokenizer.json", ConfigName = "tokenizer_config.json";
    static readonly string[] EndOfTextNames = ["<|endoftext|>", "<|end_of_text|>", "</s>"];

    public static ByteLevelBpeTextTokenizer Load(string path)
    {
        JsonObject root;
        try { root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new System.Text.Json.JsonException("empty"); }
        catch (System.Text.Json.JsonException e) { throw new UserErrorException($"tokenizer file {path}: not valid JSON ({e.Message})", e); }
        var model = root["model"]?.AsObject() ?? throw new UserErrorException($"tokenizer file {path}: has no \"model\"");
        string type = model["type"]?.GetValue<string>() ?? "BPE";
        if (type != "BPE")
            throw new UserErrorException($"tokenizer file {path}: a {type} model; Rho1 reads byte-level BPE tokenizer.json files (or a SentencePiece tokenizer.model)");
        var vocab = model["vocab"]?.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<int>(), StringComparer.Ordinal)
            ?? throw new UserErrorException($"tokenizer file {path}: the BPE model has no vocab");
        var rules = TokenizerJsonRules.Read(root, model, path);
        if (ByteLevelBpeTextTokenizer.ByteLevelAlphabet.Count(s => !vocab.ContainsKey(s)) is var missing and > 0)
            throw new UserErrorException($"tokenizer file {path}: lacks {missing} of the 256 byte-level symbols; only byte-level BPE is supported");
        // Merges are "a b" strings (older files) or ["a", "b"] pairs (newer ones).
        var merges = (model["merges"]?.AsArray() ?? []).Select(m => m is JsonArray pair ? $"{pair[0]} {pair[1]}" : m!.GetValue<string>()).ToList();
        var added = (root["added_tokens"]?.AsArray() ?? []).Select(a => (Content: a!["content"]!.GetValue<string>(), Id: a["id"]!.GetValue<int>())).ToList();
        int vocabSize = Math.Max(vocab.Values.Max(), added.Count > 0 ? added.Max(a => a.Id) : 0) + 1;
        var tokens = vocab.Concat(added.Select(a => KeyValuePair.Create(a.Content, a.Id))).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        string? pattern = rules.SplitPattern;
        string config = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, ConfigName);
        int? eos = EndOfText(config, tokens);
        int? bos = rules.TemplateBos is { } template && tokens.TryGetValue(template, out int templateId) ? templateId : ConfigToken(config, "bos_token", tokens);
        bool addsBos = rules.TemplateBos != null || ConfigFlag(config, "add_bos_token");
        string[] files = File.Exists(config) ? [path, config] : [path];
        try
        {
            BpeTokenizer Create() => BpeTokenizer.Create(new BpeOptions(vocab)
            {
                Merges = merges,
                ByteLevel = true,
                PreTokenizer = new RegexPreTokenizer(pattern is null ? ByteLevelBpeTextTokenizer.Gpt2Pattern() : new Regex(pattern, RegexOptions.Compiled), null),
            });
            return new ByteLevelBpeTextTokenizer($"hf-bpe:{FileName}@{TokenizerFactory.ShortHash(files)}", files, Create(), Create, vocabSize, eos, bos, rules, vocab)
            {
                FramesWithBos = addsBos && bos != null,
                Tokens = tokens,
            };
        }
        catch (Exception e) when (e is not UserErrorException)
        {
            throw new UserErrorException($"tokenizer file {path} could not be loaded as byte-level BPE ({e.Message})", e);
        }
    }

    /// <summary>tokenizer_config.json's boolean <paramref name="key"/>; false when the file or key is missing.</summary>
    static bool ConfigFlag(string configPath, string key) =>
        File.Exists(configPath) && JsonNode.Parse(File.ReadAllText(configPath))?[key] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.True;

    /// <summary>A conventional end-of-text token (the pretraining separator), else tokenizer_config.json's eos_token.</summary>
    static int? EndOfText(string configPath, Dictionary<string, int> tokens)
    {
        // The pretraining separator first: Qwen's tokenizer_config names the chat turn's <|im_end|> as eos_token, while its
        // documents end with <|endoftext|>; Llama 3's is <|end_of_text|>, not the instruct models' <|eot_id|>.
        foreach (string name in EndOfTextNames)
            if (tokens.TryGetValue(name, out int id)) return id;
        return ConfigToken(configPath, "eos_token", tokens);
    }

    /// <summary>The id of tokenizer_config.json's <paramref name="key"/> (a string or {"content": ...}); null when the file, the key or the token is missing.</summary>
    static int? ConfigToken(string configPath, string key, Dictionary<string, int> tokens)
    {
        if (!File.Exists(configPath) || JsonNode.Parse(File.ReadAllText(configPath))?[key] is not { } token)
            return null;
        string? name = token is JsonObject o ? o["content"]?.GetValue<string>() : token.GetValueKind() == System.Text.Json.JsonValueKind.String ? token.GetValue<string>() : null;
        return name != null && tokens.TryGetValue(name, out int id) ? id : null;
    }
}

// What a tokenizer.json says beyond its vocabulary and merges that changes ids, read into one record, or refused by
// name: the normalizer (Unicode normal forms), the pre-tokenizer (GPT-2's ByteLevel regex, or a Split regex before a
// regex-less ByteLevel), the BPE model's ignore_merges and byte_fallback, added tokens that are not special (matched
// in text, as Hugging Face's library matches them), and the post-processor's beginning-of-sequence token.
using System.Text;
using System.Text.Json.Nodes;

namespace Rho1.Data.Tokenizers;

/// <param name="Normalization">Unicode normal form applied to text before anything else (Qwen: NFC); null: none.</param>
/// <param name="SplitPattern">The pre-tokenizer's regex; null: GPT-2's.</param>
/// <param name="IgnoreMerges">A pre-token that is itself in the vocabulary is that token, whatever the merges would make (Llama 3).</param>
/// <param name="AddedTokens">Non-special added tokens (content → id), matched in text before pre-tokenization.</param>
/// <param name="TemplateBos">The special token the post-processor puts before a sequence, if any (Llama 3's official file).</param>
internal sealed record TokenizerJsonRules(NormalizationForm? Normalization, string? SplitPattern, bool IgnoreMerges,
    IReadOnlyDictionary<string, int> AddedTokens, string? TemplateBos)
{
    public static TokenizerJsonRules Read(JsonObject root, JsonObject model, string path)
    {
        void Refuse(string what) => throw new UserErrorException($"tokenizer file {path}: {what}; Rho1 would give ids other than Hugging Face's");
        if (model["byte_fallback"]?.GetValue<bool>() == true)
            Refuse("a byte-fallback BPE (SentencePiece-style, as Llama 2 and Mistral ship it); give the model's tokenizer.model instead");
        if (model["dropout"] is JsonValue dropout && dropout.GetValue<double>() > 0)
            Refuse($"BPE dropout {dropout} makes encoding random");
        foreach (string key in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (model[key]?.GetValue<string>() is { Length: > 0 } affix)
                Refuse($"{key} \"{affix}\" is not supported");
        bool ignoreMerges = model["ignore_merges"]?.GetValue<bool>() ?? false;

        var normalization = NormalFormOf(root["normalizer"], Refuse);
        string? pattern = PreTokenizer(root["pre_tokenizer"], Refuse);

        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var a in root["added_tokens"]?.AsArray() ?? [])
        {
            if (a?["special"]?.GetValue<bool>() != false) continue; // special tokens in text stay text: a document cannot forge a separator
            string content = a["content"]!.GetValue<string>();
            foreach (string flag in new[] { "lstrip", "rstrip", "single_word" })
                if (a[flag]?.GetValue<bool>() == true)
                    Refuse($"added token \"{content}\" has {flag}=true, which is not supported");
            added[content] = a["id"]!.GetValue<int>();
        }
        return new TokenizerJsonRules(normalization, pattern, ignoreMerges, added, BosOfTemplate(root["post_processor"], Refuse));
    }

    static NormalizationForm? NormalFormOf(JsonNode? n, Action<string> refuse)
    {
        if (n is null) return null;
        string type = n["type"]?.GetValue<string>() ?? "";
        switch (type)
        {
            case "NFC": return NormalizationForm.FormC;
            case "NFD": return NormalizationForm.FormD;
            case "NFKC": return NormalizationForm.FormKC;
            case "NFKD": return NormalizationForm.FormKD;
            case "Sequence":
                var forms = (n["normalizers"]?.AsArray() ?? []).Select(x => NormalFormOf(x, refuse)).Where(f => f != null).ToList();
                if (forms.Count > 1) refuse("a sequence of several Unicode normal forms is not supported");
                return forms.FirstOrDefault();
            default:
                refuse($"normalizer {type} is not supported (Rho1 applies NFC, NFD, NFKC or NFKD)");
                return null;
        }
    }

    static string? PreTokenizer(JsonNode? p, Action<string> refuse)
    {
        if (p is null) { refuse("no pre_tokenizer: a byte-level BPE needs one"); return null; }
        string type = p["type"]?.GetValue<string>() ?? "";
        if (type == "ByteLevel")
        {
            if (p["add_prefix_space"]?.GetValue<bool>() == true) refuse("ByteLevel add_prefix_space=true is not supported");
            if (p["use_regex"]?.GetValue<bool>() == false) refuse("ByteLevel use_regex=false without a Split before it leaves words unsplit, which is not supported");
            return null; // GPT-2's regex
        }
        if (type != "Sequence") { refuse($"pre_tokenizer {type} is not supported"); return null; }
        var steps = p["pretokenizers"]?.AsArray().Select(x => x!).ToList() ?? [];
        if (steps.Count != 2 || steps[0]["type"]?.GetValue<string>() != "Split" || steps[1]["type"]?.GetValue<string>() != "ByteLevel")
        {
            refuse($"pre_tokenizer sequence [{string.Join(", ", steps.Select(s => s["type"]?.GetValue<string>()))}] is not supported (Rho1 reads [Split, ByteLevel])");
            return null;
        }
        var split = steps[0];
        string? regex = split["pattern"]?["Regex"]?.GetValue<string>();
        if (regex is null) refuse("a Split on a plain string is not supported");
        if (split["behavior"]?.GetValue<string>() is { } behavior && behavior != "Isolated") refuse($"Split behavior {behavior} is not supported");
        if (split["invert"]?.GetValue<bool>() == true) refuse("Split invert=true is not supported");
        if (steps[1]["add_prefix_space"]?.GetValue<bool>() == true) refuse("ByteLevel add_prefix_space=true is not supported");
        if (steps[1]["use_regex"]?.GetValue<bool>() == true) refuse("a ByteLevel with use_regex=true after a Split (two regexes) is not supported");
        return regex;
    }

    /// <summary>The special token a TemplateProcessing (alone or in a Sequence) puts first in a single sequence.</summary>
    static string? BosOfTemplate(JsonNode? p, Action<string> refuse)
    {
        switch (p?["type"]?.GetValue<string>())
        {
            case null or "ByteLevel": return null;
            case "Sequence": return (p["processors"]?.AsArray() ?? []).Select(x => BosOfTemplate(x, refuse)).FirstOrDefault(b => b != null);
            case "TemplateProcessing":
                var single = p["single"]?.AsArray() ?? [];
                if (single.Count > 0 && single[^1]?["SpecialToken"] != null)
                    refuse("the post-processor appends a special token after each sequence, which is not supported (Rho1 frames documents with EOS itself)");
                return single.Count > 0 ? single[0]?["SpecialToken"]?["id"]?.GetValue<string>() : null;
            case { } other:
                refuse($"post_processor {other} is not supported");
                return null;
        }
    }
}

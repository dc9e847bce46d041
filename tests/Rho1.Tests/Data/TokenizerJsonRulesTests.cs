// Every field of a tokenizer.json that changes ids is honoured or refused by name: ignore_merges (Llama 3), a
// Unicode normal form (Qwen: NFC), non-special added tokens; byte fallback, other normalizers and pre-tokenizers,
// stripping added tokens are refused. Real files: Qwen3's tokenizer.json must give, text by text, the ids Hugging
// Face's own library gave (Fixtures/tokenizers, made by scripts/fixtures/hf-token-ids.mjs). Documents are framed as the
// model's tokenizer frames a sequence, and Qwen's separator is <|endoftext|>, not the chat <|im_end|>.
using System.IO.Compression;
using System.Text.Json.Nodes;
using Rho1.Data.Prepare;
using Rho1.Data.Reading;
using Rho1.Data.Tokenizers;
using Rho1.Tests.Fixtures;

namespace Rho1.Tests.Data;

public class TokenizerJsonRulesTests : IDisposable
{
    readonly TempDirectory _dir = new();

    /// <summary>The 256 byte-level symbols (ids 0-255), then "ab" = 256 (merge a b), "abc" = 257 (in the vocabulary, no merge makes it), added tokens from 258.</summary>
    string Write(string name, Action<JsonObject>? change = null, string? config = null)
    {
        string dir = _dir.Combine(name);
        Directory.CreateDirectory(dir);
        var vocab = new JsonObject();
        foreach (string symbol in ByteLevelBpeTextTokenizer.ByteLevelAlphabet) vocab[symbol] = vocab.Count;
        vocab["ab"] = 256;
        vocab["abc"] = 257;
        var json = new JsonObject
        {
            ["added_tokens"] = new JsonArray(
                new JsonObject { ["id"] = 258, ["content"] = "<|endoftext|>", ["special"] = true },
                new JsonObject { ["id"] = 259, ["content"] = "<tool>", ["special"] = false, ["lstrip"] = false, ["rstrip"] = false },
                new JsonObject { ["id"] = 260, ["content"] = "<|im_end|>", ["special"] = true },
                new JsonObject { ["id"] = 261, ["content"] = "<|begin_of_text|>", ["special"] = true }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = true },
            ["post_processor"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = new JsonArray("a b"), ["ignore_merges"] = false, ["byte_fallback"] = false },
        };
        change?.Invoke(json);
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        if (config != null) File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), config);
        return "hf:" + dir;
    }

    [Fact]
    public void Ignore_merges_makes_a_word_in_the_vocabulary_one_token()
    {
        Assert.Equal([256, 99], TokenizerFactory.Create(Write("merges")).Encode("abc")); // a b merge, then c
        var ignoring = TokenizerFactory.Create(Write("ignore", j => j["model"]!["ignore_merges"] = true));
        Assert.Equal([257], ignoring.Encode("abc"));
        Assert.Equal([257, 32, 256, 98], ignoring.Encode("abc abb")); // " abb" is not in the vocabulary: merges as usual (space = byte 32)
    }

    [Fact]
    public void A_unicode_normal_form_is_applied_before_encoding()
    {
        var plain = TokenizerFactory.Create(Write("plain"));
        var nfc = TokenizerFactory.Create(Write("nfc", j => j["normalizer"] = new JsonObject { ["type"] = "NFC" }));
        Assert.NotEqual(plain.Encode("e\u0301"), plain.Encode("\u00e9"));
        Assert.Equal(plain.Encode("\u00e9"), nfc.Encode("e\u0301"));
    }

    [Fact]
    public void Non_special_added_tokens_are_matched_in_text_special_ones_stay_text()
    {
        var tokenizer = TokenizerFactory.Create(Write("added"));
        Assert.Equal([97, 259, 98], tokenizer.Encode("a<tool>b"));
        Assert.DoesNotContain(258, tokenizer.Encode("x<|endoftext|>y")); // a document cannot forge the separator
        Assert.Equal([.. "<|endoftext|>".Select(c => (int)c)], tokenizer.Encode("<|endoftext|>")); // byte-level ids equal the bytes here
    }

    [Theory]
    [InlineData("byte_fallback", "byte-fallback BPE")]
    [InlineData("lowercase", "normalizer Lowercase is not supported")]
    [InlineData("metaspace", "pre_tokenizer Metaspace is not supported")]
    [InlineData("prefix", "add_prefix_space=true is not supported")]
    [InlineData("lstrip", "has lstrip=true")]
    [InlineData("suffix", "end_of_word_suffix")]
    [InlineData("template-eos", "appends a special token")]
    public void Fields_that_would_change_ids_are_refused_by_name(string damage, string expected)
    {
        string name = Write(damage, j =>
        {
            switch (damage)
            {
                case "byte_fallback": j["model"]!["byte_fallback"] = true; break;
                case "lowercase": j["normalizer"] = new JsonObject { ["type"] = "Lowercase" }; break;
                case "metaspace": j["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace" }; break;
                case "prefix": j["pre_tokenizer"]!["add_prefix_space"] = true; break;
                case "lstrip": j["added_tokens"]![1]!["lstrip"] = true; break;
                case "suffix": j["model"]!["end_of_word_suffix"] = "</w>"; break;
                case "template-eos":
                    j["post_processor"] = JsonNode.Parse("{\"type\":\"TemplateProcessing\",\"single\":[{\"Sequence\":{\"id\":\"A\"}},{\"SpecialToken\":{\"id\":\"<|endoftext|>\"}}]}");
                    break;
            }
        });
        var e = Assert.Throws<UserErrorException>(() => TokenizerFactory.Create(name));
        Assert.Contains(expected, e.Message);
        Assert.Contains("tokenizer.json", e.Message);
    }

    [Fact]
    public void Qwens_document_separator_is_endoftext_not_the_chat_eos()
    {
        var tokenizer = TokenizerFactory.Create(Write("qwen", config: "{\"eos_token\": \"<|im_end|>\", \"bos_token\": null, \"add_bos_token\": false}"));
        Assert.Equal(258, tokenizer.EosId);
        Assert.False(tokenizer.FramesWithBos);
    }

    long[] Prepare(string tokenizer, string text, string? bos = null, string? eos = null)
    {
        string input = _dir.File($"doc-{Guid.NewGuid():N}.txt", text);
        string output = _dir.Combine($"data-{Guid.NewGuid():N}");
        var meta = DatasetPreparer.Run(new PrepareOptions([input], output, tokenizer) { ValFraction = 0, Bos = bos, Eos = eos });
        using var dataset = TokenDataset.OpenVerified(output);
        var ids = new long[dataset.Split("train").Length];
        dataset.Split("train").Read(0, ids);
        Assert.Equal(meta.BosId, ids[0] == 261 ? 261 : null);
        return ids;
    }

    [Fact]
    public void Documents_are_framed_as_the_models_tokenizer_frames_a_sequence()
    {
        const string template = "{\"type\":\"Sequence\",\"processors\":[{\"type\":\"ByteLevel\"},{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"<|begin_of_text|>\"}},{\"Sequence\":{\"id\":\"A\"}}]}]}";
        string llama3 = Write("llama3", j => j["post_processor"] = JsonNode.Parse(template));
        Assert.Equal([261, 256, 98, 258], Prepare(llama3, "abb"));              // BOS, the document, EOS
        Assert.Equal([256, 98, 258], Prepare(llama3, "abb", bos: "none"));
        Assert.Equal([256, 98, 260], Prepare(llama3, "abb", bos: "none", eos: "<|im_end|>"));
        string qwen = Write("qwen-frame", config: "{\"eos_token\": \"<|im_end|>\", \"add_bos_token\": false}");
        Assert.Equal([256, 98, 258], Prepare(qwen, "abb"));
        Assert.Equal([261, 256, 98, 258], Prepare(qwen, "abb", bos: "<|begin_of_text|>"));
        // The dataset's framing comes back with its tokenizer, so generation and decoding use the same ids.
        string output = _dir.Combine("framed");
        DatasetPreparer.Run(new PrepareOptions([_dir.File("d.txt", "abb")], output, qwen) { ValFraction = 0, Eos = "<|im_end|>" });
        Assert.Equal(260, TokenizerFactory.ForDataset(output).EosId);
        // An unknown token is refused before anything is written.
        string refused = _dir.Combine("refused");
        var e = Assert.Throws<UserErrorException>(() => DatasetPreparer.Run(new PrepareOptions([_dir.File("e.txt", "abb")], refused, qwen) { Bos = "<s>" }));
        Assert.Contains("--bos <s>: not a token of tokenizer", e.Message);
        Assert.False(Directory.Exists(refused));
    }

    [Fact]
    public void Qwen3s_real_tokenizer_json_gives_hugging_faces_ids()
    {
        string fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tokenizers");
        string dir = _dir.Combine("qwen3");
        Directory.CreateDirectory(dir);
        using (var gz = new GZipStream(File.OpenRead(Path.Combine(fixtures, "qwen3", "tokenizer.json.gz")), CompressionMode.Decompress))
        using (var file = File.Create(Path.Combine(dir, "tokenizer.json")))
            gz.CopyTo(file);
        File.Copy(Path.Combine(fixtures, "qwen3", "tokenizer_config.json"), Path.Combine(dir, "tokenizer_config.json"));
        HuggingFaceIds.AssertEqual(TokenizerFactory.Create("hf:" + dir), Path.Combine(fixtures, "qwen3", "expected-ids.json"));
        var tokenizer = TokenizerFactory.Create("hf:" + dir);
        Assert.Equal(151643, tokenizer.EosId); // <|endoftext|>, though tokenizer_config.json's eos_token is <|im_end|>
        Assert.False(tokenizer.FramesWithBos);
        Assert.Equal(151936 - 267, tokenizer.VocabSize); // ids 0..151668: the embedding (151936 rows) is padded beyond them
    }

    /// <summary>Llama 3's tokenizer.json is not shipped; scripts/check-hf-tokenizers.sh sets RHO1_LLAMA3_DIR to a copy and runs this.</summary>
    [Fact]
    public void Llama3s_real_tokenizer_json_gives_hugging_faces_ids_when_given()
    {
        string? dir = Environment.GetEnvironmentVariable("RHO1_LLAMA3_DIR");
        if (dir is null) return; // no file, nothing to compare: scripts/check-hf-tokenizers.sh runs it
        string expected = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tokenizers", "llama3", "expected-ids.json");
        HuggingFaceIds.AssertEqual(TokenizerFactory.Create("hf:" + dir), expected);
    }

    [Fact]
    public void An_export_carries_its_tokenizer_and_samples_from_its_directory_alone()
    {
        string name = Write("export", config: "{\"eos_token\": \"<|im_end|>\", \"pad_token\": \"<|endoftext|>\", \"add_bos_token\": false}");
        var tokenizer = TokenizerFactory.Create(name);
        var config = new Rho1.Model.ModelConfig { Family = "qwen2", QkvBias = true, VocabSize = tokenizer.VocabSize, ContextLength = 32, Dim = 16, Layers = 1, Heads = 2, FfnDim = 32 };
        var info = new Rho1.Model.Storage.CheckpointInfo
        {
            Tokenizer = tokenizer.Id, VocabSize = tokenizer.VocabSize, EosId = tokenizer.EosId,
            Config = new() { Model = config, Train = new() { SeqLen = 16 } },
        };
        using var model = new Rho1.Model.Transformer(config, seed: 3);
        string first = _dir.Combine("first"), second = _dir.Combine("second");
        Rho1.Model.Storage.HuggingFaceExport.Write(model, info, first, tokenizer: tokenizer);
        Rho1.Model.Storage.HuggingFaceExport.Run(first, second, force: false); // an export of an export: the files travel on
        foreach (string file in new[] { "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json", "model.safetensors" })
            Assert.True(File.Exists(Path.Combine(second, file)), file);
        var special = JsonNode.Parse(File.ReadAllText(Path.Combine(second, "special_tokens_map.json")))!;
        Assert.Equal("<|im_end|>", special["eos_token"]!.GetValue<string>());
        var found = Rho1.Model.Storage.ModelTokenizer.Find(Rho1.Model.Storage.ModelLoader.Info(second));
        Assert.Equal(tokenizer.Id, found.Id);
        string text = Rho1.Evaluation.TextGenerator.Generate(new Rho1.Evaluation.SampleOptions(second, "abc", 5, 0, 0, Device: "cpu"));
        Assert.StartsWith("abc", text);
        Assert.True(text.Length > 3, text);
    }

    public void Dispose() => _dir.Dispose();
}

static class HuggingFaceIds
{
    public static void AssertEqual(ITextTokenizer tokenizer, string expectedPath)
    {
        string fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tokenizers");
        var texts = JsonNode.Parse(File.ReadAllText(Path.Combine(fixtures, "texts.json")))!.AsArray().Select(t => t!.GetValue<string>()).ToList();
        var expected = JsonNode.Parse(File.ReadAllText(expectedPath))!.AsArray();
        Assert.Equal(texts.Count, expected.Count);
        for (int i = 0; i < texts.Count; i++)
            Assert.True(expected[i]!.AsArray().Select(x => x!.GetValue<int>()).SequenceEqual(tokenizer.Encode(texts[i])),
                $"text {i} ({texts[i]}): Hugging Face [{string.Join(",", expected[i]!.AsArray())}], Rho1 [{string.Join(",", tokenizer.Encode(texts[i]))}]");
    }
}

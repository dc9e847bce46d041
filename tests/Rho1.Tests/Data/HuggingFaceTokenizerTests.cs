// Tokenizers of Hugging Face models (--tokenizer hf:DIR): a byte-level BPE tokenizer.json written by hand, whose
// ids for a sentence follow from its merges by hand, and a SentencePiece tokenizer.model, which must give the ids
// of the .model read directly; prepare records the identity and re-creates the tokenizer from its copies.
using System.Text.Json.Nodes;
using Rho1.Data.Prepare;
using Rho1.Data.Reading;
using Rho1.Data.Tokenizers;
using Rho1.Tests.Fixtures;

namespace Rho1.Tests.Data;

public class HuggingFaceTokenizerTests : IDisposable
{
    readonly TempDirectory _dir = new();

    /// <summary>256 byte-level symbols (ids 0-255, byte order), merges "Ġ t" → 256, "h e" → 257, "Ġt he" → 258, end of text 259.</summary>
    string WriteTokenizerJson(string name, bool mergesAsPairs, bool withConfig)
    {
        string dir = _dir.Combine(name);
        Directory.CreateDirectory(dir);
        var vocab = new JsonObject();
        foreach (string symbol in ByteLevelBpeTextTokenizer.ByteLevelAlphabet) vocab[symbol] = vocab.Count;
        string[][] merges = [["Ġ", "t"], ["h", "e"], ["Ġt", "he"]];
        foreach (var m in merges) vocab[m[0] + m[1]] = vocab.Count;
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(new JsonObject { ["id"] = 259, ["content"] = "<|endoftext|>", ["special"] = true }),
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["vocab"] = vocab,
                ["merges"] = mergesAsPairs ? new JsonArray([.. merges.Select(m => (JsonNode)new JsonArray(m[0], m[1]))]) : new JsonArray([.. merges.Select(m => (JsonNode)$"{m[0]} {m[1]}")]),
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        if (withConfig) File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{\"eos_token\": {\"content\": \"<|endoftext|>\"}}");
        return dir;
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void A_byte_level_tokenizer_json_gives_the_ids_its_merges_imply(bool mergesAsPairs, bool withConfig)
    {
        string dir = WriteTokenizerJson("bpe", mergesAsPairs, withConfig);
        var tokenizer = TokenizerFactory.Create("hf:" + dir);
        // "the" → t, he (no merge makes "the" without the space); " theme" → Ġthe, m, e.
        Assert.Equal([116, 257, 258, 109, 101], tokenizer.Encode("the theme"));
        Assert.Equal("the theme", tokenizer.Decode([116, 257, 258, 109, 101]));
        Assert.Equal(259, tokenizer.EosId);
        Assert.Equal(260, tokenizer.VocabSize);
        Assert.StartsWith("hf-bpe:tokenizer.json@", tokenizer.Id);
    }

    [Theory]
    [InlineData("{\"bos_token\": \"<|begin_of_text|>\", \"eos_token\": \"<|endoftext|>\"}", 260)]
    [InlineData("{\"bos_token\": {\"content\": \"<|begin_of_text|>\"}}", 260)]
    [InlineData("{\"bos_token\": null, \"eos_token\": \"<|endoftext|>\"}", null)] // Qwen's: no BOS
    [InlineData("{\"eos_token\": \"<|endoftext|>\"}", null)]
    public void The_beginning_of_sequence_id_is_tokenizer_configs_bos_token(string config, int? expected)
    {
        string dir = WriteTokenizerJson("bos", mergesAsPairs: false, withConfig: false);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer.json")))!;
        json["added_tokens"]!.AsArray().Add(new JsonObject { ["id"] = 260, ["content"] = "<|begin_of_text|>", ["special"] = true });
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), config);
        var tokenizer = TokenizerFactory.Create("hf:" + dir);
        Assert.Equal(expected, tokenizer.BosId);
        Assert.Equal(259, tokenizer.EosId);
        Assert.Null(TokenizerFactory.Create("gpt2").BosId);
        Assert.Null(TokenizerFactory.Create("bytes").BosId);
    }

    [Fact]
    public void Prepare_with_hf_dir_records_the_identity_and_recreates_the_tokenizer_from_its_copies()
    {
        string dir = WriteTokenizerJson("bpe", mergesAsPairs: false, withConfig: true);
        string input = _dir.File("doc.txt", "the theme");
        string output = _dir.Combine("data");
        var meta = DatasetPreparer.Run(new PrepareOptions([input], output, "hf:" + dir) { ValFraction = 0 });
        Assert.Equal(TokenizerFactory.Create("hf:" + dir).Id, meta.Tokenizer);
        using var dataset = TokenDataset.OpenVerified(output);
        var ids = new long[dataset.Split("train").Length];
        dataset.Split("train").Read(0, ids);
        Assert.Equal([116, 257, 258, 109, 101, 259], ids); // the document, then end of text
        Assert.Equal(meta.Tokenizer, TokenizerFactory.ForDataset(output).Id);
    }

    [Fact]
    public void A_sentencepiece_model_in_an_hf_directory_is_the_model_itself()
    {
        string dir = _dir.Combine("sp");
        Directory.CreateDirectory(dir);
        string model = TinyTokenizerFiles.WriteSentencePiece(Path.Combine(dir, "tokenizer.model"));
        var viaDir = TokenizerFactory.Create("hf:" + dir);
        var direct = TokenizerFactory.Create(model);
        Assert.Equal(direct.Id, viaDir.Id);
        Assert.Equal([269, 3 + 0x21], viaDir.Encode("the!"));
        Assert.Equal(1, viaDir.BosId); // the model's bos_id (<s>); encoding still adds none
        Directory.CreateDirectory(_dir.Combine("empty"));
        Assert.Contains("holds neither tokenizer.model nor tokenizer.json", Assert.Throws<UserErrorException>(() => TokenizerFactory.Create("hf:" + _dir.Combine("empty"))).Message);
    }

    public void Dispose() => _dir.Dispose();
}

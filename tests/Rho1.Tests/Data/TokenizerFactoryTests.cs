// TokenizerFactory's failure modes (each a one-line UserErrorException naming the culprit) and the
// id-based re-creation used by datasets.
using Rho1.Data.Tokenizers;
using Rho1.Tests.Fixtures;

namespace Rho1.Tests.Data;

public sealed class TokenizerFactoryTests : IDisposable
{
    readonly TempDirectory _dir = new();

    [Fact]
    public void Unknown_name_is_a_user_error_naming_it_and_the_choices()
    {
        var e = Assert.Throws<UserErrorException>(() => TokenizerFactory.Create("gpt7"));
        Assert.Contains("'gpt7'", e.Message);
        Assert.Contains("cl100k", e.Message);
    }

    [Fact]
    public void P50k_is_refused_naming_its_missing_data_package()
    {
        // Microsoft.ML.Tokenizers.Data.P50kBase is not served by our package registry, so this build lacks it.
        var e = Assert.Throws<UserErrorException>(() => TokenizerFactory.Create("p50k"));
        Assert.Contains("'p50k'", e.Message);
        Assert.Contains("data package", e.Message);
    }

    [Fact]
    public void A_model_file_that_is_not_sentencepiece_is_a_user_error_naming_the_file()
    {
        string path = _dir.File("broken.model", "this is not a protobuf");
        var e = Assert.Throws<UserErrorException>(() => TokenizerFactory.Create(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_vocab_without_merges_beside_it_is_a_user_error_naming_merges_txt()
    {
        string vocab = TinyTokenizerFiles.WriteBpePair(_dir.Combine("bpe"), withEndOfText: false);
        File.Delete(_dir.Combine("bpe", "merges.txt"));
        var e = Assert.Throws<UserErrorException>(() => TokenizerFactory.Create(vocab));
        Assert.Contains("merges.txt", e.Message);
    }

    [Fact]
    public void A_character_level_vocab_is_refused_as_not_byte_level()
    {
        string vocab = _dir.File("chars/vocab.json", """{"a": 0, "b": 1, "ab": 2}""");
        _dir.File("chars/merges.txt", "a b\n");
        var e = Assert.Throws<UserErrorException>(() => TokenizerFactory.Create(vocab));
        Assert.Contains("byte-level", e.Message);
        Assert.Contains(vocab, e.Message);
    }

    [Fact]
    public void A_vocab_that_is_not_json_is_a_user_error_naming_the_file()
    {
        string vocab = _dir.File("bad/vocab.json", "{ not json");
        _dir.File("bad/merges.txt", "");
        var e = Assert.Throws<UserErrorException>(() => TokenizerFactory.Create(vocab));
        Assert.Contains(vocab, e.Message);
    }

    [Fact]
    public void A_directory_without_tokenizer_files_is_a_user_error()
    {
        Directory.CreateDirectory(_dir.Combine("empty"));
        var e = Assert.Throws<UserErrorException>(() => TokenizerFactory.Create(_dir.Combine("empty")));
        Assert.Contains("vocab.json", e.Message);
    }

    [Fact]
    public void File_ids_carry_a_content_hash_so_edited_files_get_a_new_id()
    {
        string model = TinyTokenizerFiles.WriteSentencePiece(_dir.Combine("a.model"));
        string before = TokenizerFactory.Create(model).Id;
        Assert.Matches("^sentencepiece:a\\.model@[0-9a-f]{12}$", before);
        // An empty self_test_data field (4, length 0): still a valid model, different bytes.
        using (var file = File.Open(model, FileMode.Append))
            file.Write([0x22, 0x00]);
        Assert.NotEqual(before, TokenizerFactory.Create(model).Id);
        Assert.Equal("gpt2", TokenizerFactory.Create("GPT2").Id);
        Assert.Equal("cl100k", TokenizerFactory.Create("cl100k_base").Id);
    }

    public void Dispose() => _dir.Dispose();
}

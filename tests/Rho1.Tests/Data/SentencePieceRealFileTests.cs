// Rho1's SentencePiece reader on real model files against Google's own SentencePiece library (0.1.97, Debian's
// python3-sentencepiece): Mistral 7B v0.1's tokenizer.model is shipped (Apache-2.0); Llama 2's (also TinyLlama's) is
// not (Meta's licence): scripts/check-sentencepiece.sh fetches it and runs the same test with RHO1_LLAMA2_MODEL set.
using Rho1.Data.Tokenizers;

namespace Rho1.Tests.Data;

public class SentencePieceRealFileTests
{
    static string Fixtures(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Fixtures", "tokenizers", .. parts]);

    [Fact]
    public void Mistrals_real_tokenizer_model_gives_sentencepieces_ids()
    {
        var tokenizer = TokenizerFactory.Create(Fixtures("mistral", "tokenizer.model"));
        HuggingFaceIds.AssertEqual(tokenizer, Fixtures("mistral", "expected-spm-ids.json"));
        Assert.Equal(32000, tokenizer.VocabSize);
        Assert.Equal(2, tokenizer.EosId); // </s>
        Assert.Equal(1, tokenizer.BosId); // <s>, put before every document
        Assert.True(tokenizer.FramesWithBos);
    }

    [Fact]
    public void Llama2s_real_tokenizer_model_gives_sentencepieces_ids_when_given()
    {
        string? model = Environment.GetEnvironmentVariable("RHO1_LLAMA2_MODEL");
        if (model is null) return; // not shipped: scripts/check-sentencepiece.sh runs it
        HuggingFaceIds.AssertEqual(TokenizerFactory.Create(model), Fixtures("llama2", "expected-spm-ids.json"));
    }
}

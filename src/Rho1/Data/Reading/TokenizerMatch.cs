// One check, used wherever ids made by one tokenizer meet a model, score file or dataset made by another:
// the same tokenizer id and vocabulary size, or a user error naming both sides.

namespace Rho1.Data.Reading;

public static class TokenizerMatch
{
    /// <param name="what">The other side, as the user named it, e.g. "--ref runs/ref" or "model runs/slm".</param>
    public static void Require(string what, string tokenizer, int vocabSize, TokenDataset data)
    {
        if (tokenizer != data.Meta.Tokenizer || vocabSize != data.Meta.VocabSize)
            throw new UserErrorException($"{what} uses tokenizer {tokenizer} (vocabulary {vocabSize}) but {data.Directory} uses {data.Meta.Tokenizer} " +
                $"(vocabulary {data.Meta.VocabSize}); prepare the data with the same tokenizer");
    }
}

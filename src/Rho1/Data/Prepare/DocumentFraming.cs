// Which ids frame each document of a dataset: the model tokenizer's own beginning-of-sequence token where its
// files add one (Llama 2/3, Mistral), none where they do not (Qwen, GPT-2), and its end-of-text token after each
// document; `prepare --bos TOKEN|none` and `--eos TOKEN` override either, by the token's spelling.
using Rho1.Data.Tokenizers;

namespace Rho1.Data.Prepare;

internal sealed record DocumentFraming(int? BosId, int EosId)
{
    public static DocumentFraming Resolve(ITextTokenizer tokenizer, string? bos, string? eos)
    {
        int? bosId = bos switch
        {
            null => tokenizer.FramesWithBos ? tokenizer.BosId : null,
            "none" => null,
            _ => IdOf(tokenizer, bos, "--bos"),
        };
        int eosId = eos is null ? tokenizer.EosId : IdOf(tokenizer, eos, "--eos");
        if (bosId == eosId)
            throw new UserErrorException($"--bos and --eos name the same token (id {eosId}); documents could not be told apart from their frames");
        return new DocumentFraming(bosId, eosId);
    }

    static int IdOf(ITextTokenizer tokenizer, string token, string flag) =>
        tokenizer.IdOf(token) ?? throw new UserErrorException($"{flag} {token}: not a token of tokenizer {tokenizer.Id}");
}

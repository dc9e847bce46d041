// The tokenizer a model was trained with, found from what its checkpoint records: the training data's copy of the
// tokenizer files when that dataset still exists (or another dataset the caller names), else a built-in vocabulary
// by its name. `sample` decodes with it; `export` reads its beginning-of-sequence id.
using Rho1.Data.Tokenizers;

namespace Rho1.Model.Storage;

public static class ModelTokenizer
{
    /// <summary>The tokenizer of <paramref name="info"/>'s model, from <paramref name="dataDir"/> or else the recorded data; refuses one that is not the model's.</summary>
    public static ITextTokenizer Find(CheckpointInfo info, string? dataDir = null)
    {
        if (dataDir is null && info.TokenizerDirectory is { } own)
        {
            // A Hugging Face directory (or Rho1's export of a model) stands on its own: its tokenizer files are the model's.
            var files = TokenizerFactory.HuggingFace(own);
            if (info.Tokenizer.Length > 0 && !TokenizerFactory.SameVocabulary(files.Id, info.Tokenizer))
                throw new UserErrorException($"the tokenizer files in {own} ({files.Id}) are not the model's ({info.Tokenizer}, rho1.json)");
            return files;
        }
        string source = dataDir ?? info.DataDir;
        var tokenizer = Directory.Exists(source) ? TokenizerFactory.ForDataset(source) : TokenizerFactory.Create(info.Tokenizer);
        if (tokenizer.Id != info.Tokenizer)
            throw new UserErrorException($"tokenizer {tokenizer.Id} of {source} is not the model's ({info.Tokenizer})");
        return tokenizer;
    }

    /// <summary>Find, or null when the model records no tokenizer or its files are no longer where the checkpoint says.</summary>
    public static ITextTokenizer? TryFind(CheckpointInfo info)
    {
        if (info.Tokenizer.Length == 0) return null;
        try { return Find(info); }
        catch (UserErrorException) { return null; }
    }
}

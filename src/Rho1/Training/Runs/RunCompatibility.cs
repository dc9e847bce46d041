// Checks that decide whether a run may start or continue: vocabulary against the data, a checkpoint against the
// run it would resume, and which split evaluations read. All refusals are user errors naming the setting.
using Rho1.Data.Reading;
using Rho1.Training.Configuration;

namespace Rho1.Training.Runs;

public static class RunCompatibility
{
    /// <summary>The split evaluations use: val when it holds a window, else (for a dedicated eval dataset) train; null = no evaluation.</summary>
    public static (TokenSplit? Split, double BytesPerToken) EvaluationSplit(TokenDataset data, int seqLen, bool dedicated)
    {
        foreach (string name in dedicated ? new[] { "val", "train" } : new[] { "val" })
            if (data.Meta.Splits.TryGetValue(name, out var meta) && meta.Tokens > seqLen)
                return (data.Split(name), (double)meta.SourceBytes / meta.Tokens);
        if (dedicated)
            throw new UserErrorException($"--eval-data {data.Directory}: no split holds a window of {seqLen + 1} tokens");
        return (null, 1.0);
    }

    public static RunConfig ResolveVocabulary(RunConfig config, TokenDataset dataset)
    {
        int vocab = dataset.Meta.VocabSize;
        if (config.Model.VocabSize == 0)
            return config with { Model = config.Model with { VocabSize = vocab } };
        if (config.Model.VocabSize < vocab)
            throw new UserErrorException($"model.vocab_size={config.Model.VocabSize} is smaller than the dataset's vocabulary ({vocab}, tokenizer {dataset.Meta.Tokenizer})");
        return config;
    }

    /// <summary>The data side of a resume: the same tokenizer and the same dataset. Settings are ResumeCheck's.</summary>
    public static void CheckResumable(TrainerState state, TokenDataset dataset, string path)
    {
        TokenizerMatch.Require($"checkpoint {path}", state.Tokenizer, state.VocabSize, dataset);
        if (state.DatasetFingerprint != dataset.Fingerprint)
            throw new UserErrorException($"checkpoint {path} was trained on another dataset (fingerprint {state.DatasetFingerprint[..Math.Min(12, state.DatasetFingerprint.Length)]})");
    }
}

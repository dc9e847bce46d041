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

    /// <summary>
    /// Refuses evaluation on data that something trained during the run reads (a refreshing reference's clean data): the same
    /// dataset, or any shard of the evaluated split with the checksum of one the trainer reads. <paramref name="allow"/> lets it be.
    /// </summary>
    public static void RequireHeldOut(TokenDataset evalData, TokenSplit evalSplit, TokenDataset trainedOn, string trainedSplit, bool allow)
    {
        if (allow) return;
        string? why = Path.GetFullPath(evalData.Directory) == Path.GetFullPath(trainedOn.Directory) || evalData.Fingerprint == trainedOn.Fingerprint
            ? $"evaluation reads {evalData.Directory} ({evalSplit.Name} split), the dataset the refreshing reference trains on"
            : trainedOn.Meta.Splits.TryGetValue(trainedSplit, out var trained) && evalSplit.Meta.Shards.Select(s => s.Sha256).Intersect(trained.Shards.Select(s => s.Sha256)).FirstOrDefault() is { } sha
                ? $"evaluation's {evalData.Directory} ({evalSplit.Name} split) shares a shard (sha256 {sha[..12]}) with {trainedOn.Directory}, which the refreshing reference trains on"
                : null;
        if (why != null)
            throw new UserErrorException($"{why}: its held-out numbers would not be held out; evaluate on other data (--eval-data), refresh on other data (--ref-data), " +
                "or pass --allow-eval-overlap");
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

    /// <summary>
    /// A resume given --init (the identical command that started a continual run): the model it names must have the shape
    /// the checkpoint was trained with; its weights are not read, the checkpoint's are.
    /// </summary>
    public static void RequireSameInit(TrainerState state, string init, Rho1.Model.ModelConfig initModel, string path)
    {
        var differences = ResumeCheck.Diff(state.Config, state.Config with { Model = initModel });
        if (differences.Count > 0)
            throw new UserErrorException($"--init {init} is not the model checkpoint {path} continues ({ResumeCheck.Describe(differences)}); " +
                $"resume with the --init the run started from ({state.InitFrom ?? "none: it started from random weights"})");
    }

    /// <summary>The data side of a resume: the same tokenizer and the same dataset. Settings are ResumeCheck's.</summary>
    public static void CheckResumable(TrainerState state, TokenDataset dataset, string path)
    {
        TokenizerMatch.Require($"checkpoint {path}", state.Tokenizer, state.VocabSize, dataset);
        if (state.DatasetFingerprint != dataset.Fingerprint)
            throw new UserErrorException($"checkpoint {path} was trained on another dataset (fingerprint {state.DatasetFingerprint[..Math.Min(12, state.DatasetFingerprint.Length)]})");
    }
}

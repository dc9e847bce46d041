// `rho1 eval`: a checkpoint's loss, perplexity and bits per byte on a prepared split, after checking that
// the data was tokenized the way the model expects.
using Rho1.Data.Reading;
using Rho1.Model.Storage;
using Rho1.Platform;

namespace Rho1.Evaluation;

public static class CheckpointEvaluation
{
    /// <summary>val when it holds tokens, else the only split that does (saying so), else val (and the caller's error).</summary>
    static string DefaultSplit(TokenDataset dataset)
    {
        if (dataset.Meta.Splits.TryGetValue("val", out var val) && val.Tokens > 0) return "val";
        var nonEmpty = dataset.Meta.Splits.Where(s => s.Value.Tokens > 0).Select(s => s.Key).ToList();
        if (nonEmpty.Count != 1) return "val";
        Serilog.Log.Information("{Data} has no val tokens; evaluating its {Split} split (all of its {Tokens:N0} tokens)", dataset.Directory, nonEmpty[0],
            dataset.Meta.Splits[nonEmpty[0]].Tokens);
        return nonEmpty[0];
    }

    public static EvalResult Run(EvalOptions o)
    {
        var dev = DeviceSpec.Resolve(o.Device);
        using var dataset = TokenDataset.OpenVerified(o.DataDir);
        using var loaded = ModelLoader.Load(o.Model, dev);
        var (model, info) = (loaded.Model, loaded.Info);
        TokenizerMatch.Require($"model {o.Model}", info.Tokenizer, info.VocabSize, dataset);
        string splitName = o.Split ?? DefaultSplit(dataset);
        if (!dataset.Meta.Splits.TryGetValue(splitName, out var meta) || meta.Tokens == 0)
            throw new UserErrorException($"{o.DataDir} has no '{splitName}' split with tokens (splits: " +
                $"{string.Join(", ", dataset.Meta.Splits.Select(s => $"{s.Key} {s.Value.Tokens:N0} tokens"))}); choose one with --split");
        int t = o.SeqLen > 0 ? o.SeqLen : info.SeqLen;
        if (t > model.Config.ContextLength)
            throw new UserErrorException($"--seq-len {t} exceeds the model's context_length={model.Config.ContextLength}");
        return Evaluator.Evaluate(model, dataset.Split(splitName), (double)meta.SourceBytes / meta.Tokens, o.BatchSize, t, o.MaxBatches, dev, o.OnProgress);
    }
}

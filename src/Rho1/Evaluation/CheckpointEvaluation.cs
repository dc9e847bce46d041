// `rho1 eval`: a checkpoint's loss, perplexity and bits per byte on a prepared split, after checking that
// the data was tokenized the way the model expects. Under a launcher every rank evaluates its share of the batches.
using Rho1.Data.Reading;
using Rho1.Model.Storage;
using Rho1.Platform;

namespace Rho1.Evaluation;

public static class CheckpointEvaluation
{
    public static EvalResult Run(EvalOptions o)
    {
        var dev = DeviceSpec.Resolve(o.Device, o.LocalRank, o.LocalSize);
        using var dataset = TokenDataset.OpenVerified(o.DataDir);
        using var loaded = ModelLoader.Load(o.Model, dev);
        var (model, info) = (loaded.Model, loaded.Info);
        TokenizerMatch.Require($"model {o.Model}", info.Tokenizer, info.VocabSize, dataset);
        string splitName = HeldOutSplit.Choose(dataset, o.Split);
        var meta = dataset.Meta.Splits[splitName];
        int t = o.SeqLen > 0 ? o.SeqLen : info.SeqLen;
        if (t > model.Config.ContextLength)
            throw new UserErrorException($"--seq-len {t} exceeds the model's context_length={model.Config.ContextLength}");
        return Evaluator.Evaluate(model, dataset.Split(splitName), (double)meta.SourceBytes / meta.Tokens, o.BatchSize, t, o.MaxBatches, dev, o.OnProgress, new EvalShares(o.World));
    }
}

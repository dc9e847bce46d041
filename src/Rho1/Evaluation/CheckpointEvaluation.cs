// `rho1 eval`: a checkpoint's loss, perplexity and bits per byte on a prepared split, after checking that
// the data was tokenized the way the model expects.


using Rho1.Data.Reading;
using Rho1.Model.Storage;
using Rho1.Platform;

namespace Rho1.Evaluation;

public static class CheckpointEvaluation
{
    /// <param name="seqLen">0 = the checkpoint's train.seq_len.</param>
    /// <param name="maxBatches">0 = the whole split.</param>
    public static EvalResult Run(string modelPath, string dataDir, string splitName, string device, int batchSize = 16, int seqLen = 0, int maxBatches = 0)
    {
        var dev = DeviceSpec.Resolve(device);
        using var dataset = TokenDataset.OpenVerified(dataDir);
        var (model, state) = ModelCheckpoint.Load(modelPath, dev);
        using var _ = model;
        TokenizerMatch.Require($"model {modelPath}", state.Tokenizer, state.VocabSize, dataset);
        if (!dataset.Meta.Splits.TryGetValue(splitName, out var meta) || meta.Tokens == 0)
            throw new UserErrorException($"{dataDir} has no '{splitName}' split with tokens (splits: {string.Join(", ", dataset.Meta.Splits.Keys)})");
        int t = seqLen > 0 ? seqLen : state.Config.Train.SeqLen;
        if (t > model.Config.ContextLength)
            throw new UserErrorException($"--seq-len {t} exceeds the model's context_length={model.Config.ContextLength}");
        model.ComputeType = state.Config.Train.Precision == "bf16" ? TorchSharp.torch.ScalarType.BFloat16 : TorchSharp.torch.ScalarType.Float32;
        return Evaluator.Evaluate(model, dataset.Split(splitName), (double)meta.SourceBytes / meta.Tokens, batchSize, t, maxBatches, dev);
    }
}

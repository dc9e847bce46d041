// Opens the reference for a selective run (a checkpoint for online losses, or a score directory for offline
// ones) and refuses any that does not match the training data: tokenizer, vocabulary, dataset, window length.
using Rho1.Data.Reading;
using Rho1.Model.Storage;
using static TorchSharp.torch;

namespace Rho1.Reference;

public static class ReferenceLoader
{
    /// <summary>Null when neither is given. Giving both is a user error.</summary>
    public static IReferenceLosses? Open(string? refCheckpoint, string? refScores, ReferenceRequest setup)
    {
        if (refCheckpoint != null && refScores != null)
            throw new UserErrorException("--ref and --ref-scores are alternatives: give one");
        if (refScores != null)
        {
            var store = ScoreStore.Open(refScores);
            try
            {
                var s = store.Meta;
                TokenizerMatch.Require($"--ref-scores {refScores}", s.Tokenizer, s.VocabSize, setup.Dataset);
                if (s.DatasetFingerprint != setup.Dataset.Fingerprint || s.Split != "train")
                    throw new UserErrorException($"--ref-scores {refScores}: computed for another dataset or split ({s.Split}, fingerprint {s.DatasetFingerprint[..Math.Min(12, s.DatasetFingerprint.Length)]}); run `rho1 score` on this --data");
                if (s.SeqLen != setup.SeqLen)
                    throw new UserErrorException($"--ref-scores {refScores}: computed with windows of seq_len {s.SeqLen}, but train.seq_len={setup.SeqLen}; use --set train.seq_len={s.SeqLen} or rescore");
                return new OfflineReference(store);
            }
            catch
            {
                store.Dispose();
                throw;
            }
        }
        if (refCheckpoint != null)
        {
            var loaded = ModelLoader.Load(refCheckpoint, setup.Device, setup.Precision);
            try
            {
                TokenizerMatch.Require($"--ref {refCheckpoint}", loaded.Info.Tokenizer, loaded.Info.VocabSize, setup.Dataset);
                if (setup.SeqLen > loaded.Model.Config.ContextLength)
                    throw new UserErrorException($"--ref {refCheckpoint}: its context_length {loaded.Model.Config.ContextLength} is shorter than train.seq_len={setup.SeqLen}");
            }
            catch
            {
                loaded.Dispose();
                throw;
            }
            return new OnlineReference(loaded.Model, loaded.Path, setup.SeqLen);
        }
        return null;
    }
}

// How task text becomes token ids, the same way for scoring and for generation. A sequence starts as a new document
// of the training data did: the end-of-document id, then the beginning-of-sequence id where the model's tokenizer frames
// with one. A (context, continuation) pair is encoded the way lm-evaluation-harness does: trailing spaces of the
// context move to the continuation, the two are encoded together, and the continuation's tokens are those past the
// context's own encoding, so a leading space merges into the continuation's first token exactly as in running text.
using Rho1.Data.Tokenizers;

namespace Rho1.Evaluation.Tasks;

public static class TaskPrompt
{
    /// <summary>The ids every sequence starts with.</summary>
    public static int[] Start(ITextTokenizer tokenizer) =>
        tokenizer.FramesWithBos && tokenizer.BosId is { } bos ? [tokenizer.EosId, bos] : [tokenizer.EosId];

    /// <summary>The context's and the continuation's ids, from one joint encoding.</summary>
    public static (int[] Context, int[] Continuation) EncodePair(ITextTokenizer tokenizer, string context, string continuation)
    {
        int spaces = context.Length - context.TrimEnd().Length;
        if (spaces > 0)
        {
            continuation = context[^spaces..] + continuation;
            context = context[..^spaces];
        }
        int[] whole = tokenizer.Encode(context + continuation);
        int[] ctx = tokenizer.Encode(context);
        int split = Math.Min(ctx.Length, whole.Length);
        return (whole[..split], whole[split..]);
    }
}

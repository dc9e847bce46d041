// How task text becomes token ids, the same way for scoring and for generation. By default (Harness) as
// lm-evaluation-harness v0.4 does for a causal Hugging Face model (HFLM, add_bos_token off): nothing is prepended, except
// the end-of-text id before an empty context; a (context, continuation) pair moves the context's trailing spaces to the
// continuation, the context's ids are its own encoding, and the continuation's are those of the joint encoding past the
// context's length, so a leading space merges into the continuation's first token as in running text. Document starts
// every sequence as a training document did (the end-of-document id, then BOS where the tokenizer frames with one) and
// takes the context's ids from the joint encoding: what Rho1 did before, for its own models and earlier figures.
using Rho1.Data.Tokenizers;

namespace Rho1.Evaluation.Tasks;

public static class TaskPrompt
{
    /// <summary>What Python's str.rstrip() strips (the harness's rule): .NET's white space plus the separators U+001C..U+001F.</summary>
    static readonly char[] PythonWhitespace = [.. Enumerable.Range(0, 0x3001).Select(c => (char)c).Where(c => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f')];

    /// <summary>The values of TaskSettings.SequenceStart (--sequence-start).</summary>
    public const string Harness = "harness", Document = "document";

    public static void Validate(string start)
    {
        if (start is not (Harness or Document))
            throw new UserErrorException($"--sequence-start {start}: harness (as lm-evaluation-harness, nothing prepended) or document (the end-of-document id first)");
    }

    /// <summary>The ids a sequence starts with, under <paramref name="start"/>, before a context of <paramref name="contextTokens"/> ids.</summary>
    public static int[] Start(ITextTokenizer tokenizer, string start = Document, int contextTokens = 1) => start switch
    {
        Harness => contextTokens == 0 ? [tokenizer.EosId] : [],
        _ => tokenizer.FramesWithBos && tokenizer.BosId is { } bos ? [tokenizer.EosId, bos] : [tokenizer.EosId],
    };

    /// <summary>The context's and the continuation's ids: the harness's split (Harness), or both from the joint encoding (Document).</summary>
    public static (int[] Context, int[] Continuation) EncodePair(ITextTokenizer tokenizer, string context, string continuation, string start = Harness)
    {
        int spaces = context.Length - context.TrimEnd(PythonWhitespace).Length;
        if (spaces > 0)
        {
            continuation = context[^spaces..] + continuation;
            context = context[..^spaces];
        }
        int[] whole = tokenizer.Encode(context + continuation);
        int[] ctx = tokenizer.Encode(context);
        int split = Math.Min(ctx.Length, whole.Length);
        return (start == Harness ? ctx : whole[..split], whole[split..]);
    }
}

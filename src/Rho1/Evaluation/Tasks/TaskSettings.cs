// How tasks are evaluated, the same for every task of one run: shots, batching, generation limits.

namespace Rho1.Evaluation.Tasks;

/// <param name="FewShot">Solved examples before each item (0 = zero-shot).</param>
/// <param name="Seed">Seed of the few-shot draw.</param>
/// <param name="BatchSize">Rows per forward pass (fewer when a batch's logits would pass 1 GiB).</param>
/// <param name="MaxGenTokens">Token limit of a generated answer; 0 = 256 or half the model's context, whichever is smaller.</param>
/// <param name="Until">Stop strings of generation; null = the layout's (GSM8K: "Question:" and a blank line; generic: a blank line).</param>
/// <param name="AnswerRegex">Extracts the answer from a generation (its first group); null = the GSM8K way.</param>
public sealed record TaskSettings(int FewShot = 0, long Seed = 1234, int BatchSize = 16, int MaxGenTokens = 0, IReadOnlyList<string>? Until = null,
    string? AnswerRegex = null)
{
    /// <summary>
    /// How a sequence starts: TaskPrompt.Harness (default: as lm-evaluation-harness frames a causal model's input, nothing
    /// prepended) or TaskPrompt.Document (as a training document: the end-of-document id, then BOS where the tokenizer uses one).
    /// </summary>
    public string SequenceStart { get; init; } = TaskPrompt.Harness;

    /// <summary>
    /// What changes a task's figures, in words: "0-shot, all items, harness start" (plus ", layout NAME"), recorded in a run's
    /// summary so that a sweep does not reuse figures made another way. Runs from before it was recorded used the document start.
    /// </summary>
    public string Describe(int limit) =>
        $"{FewShot}-shot, {(limit > 0 ? $"{limit} items" : "all items")}, {SequenceStart} start{(Layout is { } l ? $", layout {l}" : "")}";

    /// <summary>A layout for every task file instead of recognising it (--eval-layout in training; eval has --layout); null: recognised.</summary>
    public string? Layout { get; init; }
}

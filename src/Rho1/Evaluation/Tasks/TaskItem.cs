// One item of a task, once its layout has turned it into text: either a multiple-choice item (choice i is the
// continuation Continuations[i] after the context Contexts[i]; the contexts differ only under partial scoring,
// as in Winogrande) or a generation item (a prompt and its reference answer). Few-shot examples are built from
// the same records (Example).

namespace Rho1.Evaluation.Tasks;

/// <param name="Source">The record as canonical JSON (keys sorted at every level): equal for the same item written with another key order.</param>
public abstract record TaskItem(int Index, string Source)
{
    /// <summary>The record's "id" (or "idx", "doc_id"), as text; null when it has none.</summary>
    public string? Id { get; init; }

    /// <summary>The item written out as a solved few-shot example.</summary>
    public abstract string Example { get; }
}

/// <param name="Choices">Each choice's text as the layout defines it (what acc_norm's byte length counts).</param>
/// <param name="Gold">0-based index of the right choice.</param>
public sealed record ChoiceItem(int Index, string Source, IReadOnlyList<string> Contexts, IReadOnlyList<string> Continuations, IReadOnlyList<string> Choices, int Gold)
    : TaskItem(Index, Source)
{
    public override string Example => Contexts[Gold] + Continuations[Gold];
}

/// <param name="Target">The reference completion as a few-shot example shows it (GSM8K: the worked solution).</param>
/// <param name="Answer">The answer a prediction must equal after extraction.</param>
public sealed record GenerationItem(int Index, string Source, string Prompt, string Delimiter, string Target, string Answer) : TaskItem(Index, Source)
{
    public override string Example => Prompt + Delimiter + Target;
}

// The item layouts Rho1 recognises, by the fields of a task file's first item, and how each becomes text. The prompt
// templates are those of EleutherAI's lm-evaluation-harness (docs/evaluation.md), so that numbers are comparable:
// a choice follows its context after one space, except in the generic layout, which appends choices exactly as written.
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Rho1.Evaluation.Tasks;

public enum TaskKind { MultipleChoice, Generation }

/// <summary>A layout: its name, the fields that identify it, the builder of one item, and what a field's value must be to identify it (null: anything).</summary>
public sealed record TaskLayout(string Name, TaskKind Kind, string[] Fields, Func<JsonObject, int, TaskItem> Build, Func<JsonObject, bool>? Accepts = null)
{
    /// <summary>Whether acc_norm is reported (multiple choice): where lm-evaluation-harness's task reports it (not Winogrande, BoolQ, MMLU).</summary>
    public bool ReportsAccNorm { get; init; } = true;
}

public static partial class TaskLayouts
{
    /// <summary>Every layout, in the order they are tried (more specific field sets first).</summary>
    public static readonly IReadOnlyList<TaskLayout> All =
    [
        new("generic-choice", TaskKind.MultipleChoice, ["context", "choices", "gold"], Generic),
        new("hellaswag", TaskKind.MultipleChoice, ["ctx", "endings", "label"], HellaSwag),
        new("arc", TaskKind.MultipleChoice, ["question", "choices", "answerKey"], Arc),
        new("piqa", TaskKind.MultipleChoice, ["goal", "sol1", "sol2", "label"], Piqa),
        new("winogrande", TaskKind.MultipleChoice, ["sentence", "option1", "option2", "answer"], Winogrande) { ReportsAccNorm = false }, // partial scoring: one continuation
        new("boolq", TaskKind.MultipleChoice, ["passage", "question"], BoolQ) { ReportsAccNorm = false },
        new("mmlu", TaskKind.MultipleChoice, ["question", "choices", "answer"], Mmlu, r => IsKind(r, "answer", JsonValueKind.Number, JsonValueKind.String) && r["choices"] is JsonArray)
            { ReportsAccNorm = false },
        new("gsm8k", TaskKind.Generation, ["question", "answer"], Gsm8k, r => IsKind(r, "answer", JsonValueKind.String)), // BoolQ's answer is a bool, MMLU's a number
        new("math", TaskKind.Generation, ["problem", "solution"], Math),
        new("generic-generation", TaskKind.Generation, ["prompt", "answer"], GenericGeneration),
    ];

    /// <summary>
    /// The layout of <paramref name="first"/>: the one whose fields it has (with values of the right kind); of several, the
    /// one whose fields include all the others' (MMLU's question, choices and answer over GSM8K's question and answer);
    /// refuses a record no layout fits, or several fit alike, in one line naming the fields, unless <paramref name="forced"/>
    /// names the layout (--layout).
    /// </summary>
    public static TaskLayout Recognise(JsonObject first, string path, string? forced = null)
    {
        if (forced != null)
            return All.FirstOrDefault(l => l.Name == forced)
                ?? throw new UserErrorException($"--layout {forced} is not a layout; known layouts: {string.Join(", ", All.Select(l => l.Name))}");
        string fields = string.Join(", ", first.Select(kv => kv.Key));
        var fits = All.Where(l => l.Fields.All(first.ContainsKey) && (l.Accepts?.Invoke(first) ?? true)).ToList();
        if (fits.Count == 0)
            throw new UserErrorException($"{path}: layout not recognised (fields: {fields}); known layouts: " +
                string.Join("; ", All.Select(l => $"{l.Name} ({string.Join(", ", l.Fields)})")));
        var widest = fits.Where(l => fits.All(o => o.Fields.All(l.Fields.Contains))).ToList();
        return widest.Count == 1 ? widest[0]
            : throw new UserErrorException($"{path}: fields {fields} fit the layouts {string.Join(" and ", fits.Select(l => l.Name))} alike; choose one with --layout NAME");
    }

    /// <summary>The record with its keys sorted at every level.</summary>
    static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Canonical(kv.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Canonical)]),
        _ => node?.DeepClone(),
    };

    static string? IdOf(JsonObject r) => new[] { "id", "idx", "doc_id" }.Select(k => r[k]).FirstOrDefault(v => v is JsonValue) is JsonValue id
        ? id.GetValueKind() == JsonValueKind.String ? id.GetValue<string>() : id.ToJsonString() : null;

    static bool IsKind(JsonObject r, string field, params JsonValueKind[] kinds) => r[field] is JsonValue v && kinds.Contains(v.GetValueKind());

    /// <summary>Every item of <paramref name="records"/> under <paramref name="layout"/>; a malformed item is refused naming its number (1-based).</summary>
    public static List<TaskItem> Build(TaskLayout layout, IReadOnlyList<JsonObject> records, string path)
    {
        var items = new List<TaskItem>(records.Count);
        for (int i = 0; i < records.Count; i++)
        {
            try
            {
                var item = layout.Build(records[i], i);
                if (item is ChoiceItem c && (c.Gold < 0 || c.Gold >= c.Choices.Count))
                    throw new FormatException($"gold {c.Gold} is out of range for {c.Choices.Count} choices (0-based)");
                if (item is ChoiceItem { Choices.Count: < 2 })
                    throw new FormatException("fewer than two choices");
                items.Add(item with { Source = Canonical(records[i])!.ToJsonString(), Id = IdOf(records[i]) });
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or JsonException or KeyNotFoundException or ArgumentException)
            {
                throw new UserErrorException($"{path} item {i + 1} ({layout.Name} layout): {e.Message.TrimEnd('.')}", e);
            }
        }
        return items;
    }

    static ChoiceItem Choice(JsonObject r, int index, string context, IReadOnlyList<string> choices, int gold, string delimiter = " ") =>
        new(index, r.ToJsonString(), choices.Select(_ => context).ToList(), choices.Select(c => delimiter + c).ToList(), choices, gold);

    // {"context", "choices", "gold"}: each choice appended to the context exactly as written.
    static TaskItem Generic(JsonObject r, int i) => Choice(r, i, Text(r, "context"), Texts(r, "choices"), Index(r, "gold"), delimiter: "");

    // HellaSwag as the harness preprocesses it: "activity: ctx_a Ctx_b", bracketed markup removed, each ending after a space.
    static TaskItem HellaSwag(JsonObject r, int i)
    {
        string ctx = r.ContainsKey("ctx_a") && r.ContainsKey("ctx_b") ? Text(r, "ctx_a") + " " + Capitalize(Text(r, "ctx_b")) : Text(r, "ctx");
        string query = r.ContainsKey("activity_label") ? Text(r, "activity_label") + ": " + ctx : ctx;
        return Choice(r, i, HellaSwagClean(query), Texts(r, "endings").Select(HellaSwagClean).ToList(), Index(r, "label"));
    }

    static TaskItem Arc(JsonObject r, int i)
    {
        var choices = r["choices"] as JsonObject ?? throw new FormatException("\"choices\" is not an object with \"text\" and \"label\"");
        var labels = Texts(choices, "label");
        string key = Text(r, "answerKey");
        int gold = labels.IndexOf(key);
        if (gold < 0) throw new FormatException($"answerKey \"{key}\" is not one of the labels {string.Join(", ", labels)}");
        return Choice(r, i, $"Question: {Text(r, "question")}\nAnswer:", Texts(choices, "text"), gold);
    }

    static TaskItem Piqa(JsonObject r, int i) => Choice(r, i, $"Question: {Text(r, "goal")}\nAnswer:", [Text(r, "sol1"), Text(r, "sol2")], Index(r, "label"));

    // Partial scoring: the sentence up to the blank, filled with each option, is the context; the rest is the one continuation scored.
    static TaskItem Winogrande(JsonObject r, int i)
    {
        string sentence = Text(r, "sentence");
        int blank = sentence.IndexOf('_');
        if (blank < 0) throw new FormatException("the sentence has no blank \"_\"");
        string[] options = [Text(r, "option1"), Text(r, "option2")];
        string answer = Text(r, "answer");
        int gold = answer switch { "1" => 0, "2" => 1, _ => throw new FormatException($"answer \"{answer}\" is neither \"1\" nor \"2\"") };
        string rest = " " + sentence[(blank + 1)..].Trim();
        return new ChoiceItem(i, r.ToJsonString(), options.Select(o => sentence[..blank] + o).ToList(), [rest, rest], options, gold);
    }

    // BoolQ (SuperGLUE's label 0/1, or google/boolq's answer true/false): "no"/"yes" after the passage and question.
    static TaskItem BoolQ(JsonObject r, int i)
    {
        int gold = r["label"] is { } label ? Index(r, "label")
            : r["answer"] is JsonValue a && a.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? (a.GetValue<bool>() ? 1 : 0)
            : throw new FormatException("no \"label\" (0 or 1) or boolean \"answer\"");
        return Choice(r, i, $"{Text(r, "passage")}\nQuestion: {Text(r, "question")}?\nAnswer:", ["no", "yes"], gold);
    }

    // MMLU (cais/mmlu: question, choices, integer answer) as the harness frames it: the question, lettered choices, and
    // " A" … " D" scored after "Answer:". (The harness's per-subject description line is not added.)
    static TaskItem Mmlu(JsonObject r, int i)
    {
        var choices = Texts(r, "choices");
        if (choices.Count > 26) throw new FormatException($"{choices.Count} choices: letters run out after 26");
        var letters = choices.Select((_, k) => ((char)('A' + k)).ToString()).ToList();
        string lettered = string.Concat(choices.Select((c, k) => $"\n{letters[k]}. {c}"));
        return Choice(r, i, $"{Text(r, "question").Trim()}{lettered}\nAnswer:", letters, Index(r, "answer"));
    }

    static TaskItem Gsm8k(JsonObject r, int i)
    {
        string solution = Text(r, "answer");
        return new GenerationItem(i, r.ToJsonString(), $"Question: {Text(r, "question")}\nAnswer:", " ", solution, AnswerExtraction.Reference(solution));
    }

    // MATH (hendrycks/competition_math): the harness's "Problem:\n…\n\nSolution:" frame; the answer is the solution's last \boxed{…}.
    static TaskItem Math(JsonObject r, int i)
    {
        string solution = Text(r, "solution");
        string answer = MathAnswers.LastBoxed(solution) ?? throw new FormatException("the solution has no \\boxed{…} answer");
        return new GenerationItem(i, r.ToJsonString(), $"Problem:\n{Text(r, "problem")}\n\nSolution:", " ", solution, answer);
    }

    static TaskItem GenericGeneration(JsonObject r, int i)
    {
        string answer = Text(r, "answer");
        return new GenerationItem(i, r.ToJsonString(), Text(r, "prompt"), "", answer, AnswerExtraction.Reference(answer));
    }

    static string Text(JsonObject r, string field) => r[field] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
        null => throw new FormatException($"\"{field}\" is missing or null"),
        var other => throw new FormatException($"\"{field}\" is {other.GetValueKind()}, not text"),
    };

    static List<string> Texts(JsonObject r, string field) =>
        r[field] is JsonArray a ? a.Select((v, k) => v is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>()
                : throw new FormatException($"\"{field}\"[{k}] is not text")).ToList()
            : throw new FormatException($"\"{field}\" is not a list of texts");

    // An index given as a number or as a string of digits (HellaSwag's label is "3" in Hugging Face's files).
    static int Index(JsonObject r, string field) => r[field] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out int n) => n,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => (int)v.GetValue<double>() == v.GetValue<double>() ? (int)v.GetValue<double>()
            : throw new FormatException($"\"{field}\" {v.ToJsonString()} is not a whole number"),
        JsonValue v when v.GetValueKind() == JsonValueKind.String && int.TryParse(v.GetValue<string>(), out int s) => s,
        null => throw new FormatException($"\"{field}\" is missing or null"),
        var other => throw new FormatException($"\"{field}\" {other.ToJsonString()} is not a 0-based index"),
    };

    static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant(); // Python's str.capitalize

    static string HellaSwagClean(string text) => Brackets().Replace(text.Trim().Replace(" [title]", ". "), "").Replace("  ", " ");

    [GeneratedRegex(@"\[.*?\]")]
    private static partial Regex Brackets();
}

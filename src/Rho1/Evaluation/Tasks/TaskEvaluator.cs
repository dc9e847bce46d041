// One task on one model: builds each item's prompt (few-shot prefix + context), scores every choice or generates every
// answer in batches, and turns the results into metrics and one JSON record per item (what --task-output writes).
// Used by `rho1 eval --task` and by the trainer's periodic evaluation, with the model in memory. Under a launcher the
// ranks share the batches (EvalShares): every rank gets one process's metrics and records.
using System.Diagnostics;
using System.Text.Json.Nodes;
using Rho1.Data.Tokenizers;
using Rho1.Model;
using static TorchSharp.torch;

namespace Rho1.Evaluation.Tasks;

public static class TaskEvaluator
{
    /// <summary>Evaluates <paramref name="task"/>; <paramref name="records"/>, when given, receives one record per item in item order.</summary>
    public static TaskResult Evaluate(Transformer model, ITextTokenizer tokenizer, EvalTask task, TaskSettings settings, Device device,
        List<JsonObject>? records = null, Action<int, int>? onProgress = null, EvalShares? shares = null)
    {
        shares ??= EvalShares.Single;
        var clock = Stopwatch.StartNew();
        var prefixes = task.Items.Select(item => FewShot.Prefix(item, task.Pool, settings.FewShot, settings.Seed, task.PoolIsItems)).ToList();
        long? generatedTokens = null;
        var metrics = task.Layout.Kind == TaskKind.MultipleChoice
            ? MultipleChoice(model, tokenizer, task.Items.Cast<ChoiceItem>().ToList(), task.Layout, prefixes, settings, device, records, onProgress, shares)
            : Generation(model, tokenizer, task.Items.Cast<GenerationItem>().ToList(), task.Layout, prefixes, settings, device, records, onProgress,
                n => generatedTokens = (generatedTokens ?? 0) + n, shares);
        if (task.Layout.Kind == TaskKind.Generation && shares.Size > 1) // every rank, also one that had no batch: a collective
        {
            double[] all = [generatedTokens ?? 0];
            shares.Combine(all); // every rank's count, summed
            generatedTokens = (long)all[0];
        }
        return new TaskResult(task.Name, task.Layout.Name, task.Items.Count, settings.FewShot, metrics, clock.Elapsed.TotalSeconds) { GeneratedTokens = generatedTokens };
    }

    static Dictionary<string, double> MultipleChoice(Transformer model, ITextTokenizer tokenizer, List<ChoiceItem> items, TaskLayout layout, List<string> prefixes,
        TaskSettings settings, Device device, List<JsonObject>? records, Action<int, int>? onProgress, EvalShares shares)
    {
        var requests = items.SelectMany((item, i) => item.Contexts.Select((ctx, c) => (prefixes[i] + ctx, item.Continuations[c]))).ToList();
        var scores = LikelihoodScorer.Score(model, tokenizer, requests, settings.BatchSize, device, onProgress, shares, settings.SequenceStart);
        var correct = new List<bool>();
        var correctNorm = new List<bool>();
        int next = 0;
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var choices = scores.AsSpan(next, item.Choices.Count).ToArray();
            next += item.Choices.Count;
            int pred = TaskMetrics.Predict(choices), predNorm = TaskMetrics.PredictNormalised(choices, item.Choices);
            correct.Add(pred == item.Gold);
            correctNorm.Add(predNorm == item.Gold);
            records?.Add(new JsonObject
            {
                ["index"] = item.Index,
                ["context"] = prefixes[i] + item.Contexts[item.Gold],
                ["choices"] = new JsonArray(choices.Select((s, c) => (JsonNode)new JsonObject
                {
                    ["text"] = item.Choices[c], ["loglik"] = s.LogLikelihood, ["tokens"] = s.Tokens, ["greedy"] = s.Greedy,
                }).ToArray()),
                ["gold"] = item.Gold, ["pred"] = pred, ["pred_norm"] = predNorm, [TaskMetrics.Acc] = pred == item.Gold ? 1 : 0, [TaskMetrics.AccNorm] = predNorm == item.Gold ? 1 : 0,
            });
        }
        return layout.ReportsAccNorm
            ? TaskMetrics.Report((TaskMetrics.Acc, TaskMetrics.Accuracy(correct)), (TaskMetrics.AccNorm, TaskMetrics.Accuracy(correctNorm)))
            : TaskMetrics.Report((TaskMetrics.Acc, TaskMetrics.Accuracy(correct)));
    }

    static Dictionary<string, double> Generation(Transformer model, ITextTokenizer tokenizer, List<GenerationItem> items, TaskLayout layout, List<string> prefixes,
        TaskSettings settings, Device device, List<JsonObject>? records, Action<int, int>? onProgress, Action<long> onTokens, EvalShares shares)
    {
        bool math = layout.Name == "math";
        var stops = settings.Until ?? (layout.Name == "gsm8k" ? ["Question:", FewShot.Separator] : math ? ["Problem:"] : [FewShot.Separator]);
        var pattern = settings.AnswerRegex is { } r ? AnswerExtraction.Compile(r) : null;
        var prompts = items.Select((item, i) => prefixes[i] + item.Prompt).ToList();
        var outputs = GreedyGenerator.Generate(model, tokenizer, prompts, settings.MaxGenTokens, stops, settings.BatchSize, device, onProgress, onTokens: onTokens, shares: shares,
            sequenceStart: settings.SequenceStart);
        var correct = new List<bool>();
        bool gsm8k = layout.Name == "gsm8k" && pattern is null;
        var (strict, flexible) = (new List<bool>(), new List<bool>());
        for (int i = 0; i < items.Count; i++)
        {
            string predicted = math && pattern is null ? MathAnswers.Predicted(outputs[i]) : AnswerExtraction.Predicted(outputs[i], pattern);
            bool right = math ? MathAnswers.Equivalent(predicted, items[i].Answer) : predicted == items[i].Answer;
            correct.Add(right);
            var record = new JsonObject
            {
                ["index"] = items[i].Index, ["prompt"] = prompts[i], ["generated"] = outputs[i], ["extracted"] = predicted, ["answer"] = items[i].Answer,
                [TaskMetrics.ExactMatch] = right ? 1 : 0,
            };
            if (gsm8k)
            {
                strict.Add(AnswerExtraction.StrictMatch(outputs[i]) == items[i].Answer);
                flexible.Add(AnswerExtraction.FlexibleExtract(outputs[i]) == items[i].Answer);
                (record[TaskMetrics.StrictMatch], record[TaskMetrics.FlexibleExtract]) = (strict[^1] ? 1 : 0, flexible[^1] ? 1 : 0);
            }
            records?.Add(record);
        }
        return gsm8k
            ? TaskMetrics.Report((TaskMetrics.ExactMatch, TaskMetrics.Accuracy(correct)), (TaskMetrics.StrictMatch, TaskMetrics.Accuracy(strict)),
                (TaskMetrics.FlexibleExtract, TaskMetrics.Accuracy(flexible)))
            : TaskMetrics.Report((TaskMetrics.ExactMatch, TaskMetrics.Accuracy(correct)));
    }
}

// Which metrics a multiple-choice task reports: acc and acc_norm where lm-evaluation-harness's task reports both
// (HellaSwag, ARC, PIQA, and Rho1's generic layout), acc alone where it reports acc only (Winogrande's partial
// scoring, BoolQ, MMLU).
using Rho1.Data.Tokenizers;
using Rho1.Evaluation.Tasks;
using Rho1.Model;
using Rho1.Tests.Fixtures;
using static TorchSharp.torch;

namespace Rho1.Tests.Evaluation.Tasks;

public class HarnessMetricsTests
{
    [Theory]
    [InlineData("""{"sentence": "The cup fell because _ was heavy.", "option1": "the cup", "option2": "the table", "answer": "1"}""", "winogrande", false)]
    [InlineData("""{"passage": "Water is wet.", "question": "is water wet", "answer": true}""", "boolq", false)]
    [InlineData("""{"question": "2 + 2 =", "choices": ["3", "4", "5", "6"], "answer": 1}""", "mmlu", false)]
    [InlineData("""{"goal": "Open a jar", "sol1": "Twist the lid.", "sol2": "Eat the lid.", "label": 0}""", "piqa", true)]
    [InlineData("""{"question": "Which is a fruit?", "choices": {"text": ["apple", "stone"], "label": ["A", "B"]}, "answerKey": "A"}""", "arc", true)]
    [InlineData("""{"context": "The sky is", "choices": [" blue", " loud"], "gold": 0}""", "generic-choice", true)]
    public void Acc_norm_is_reported_where_the_harness_reports_it(string item, string layout, bool accNorm)
    {
        using var dir = new TempDirectory();
        var task = EvalTask.Load(dir.File("t.jsonl", item + "\n" + item));
        Assert.Equal(layout, task.Layout.Name);
        using var model = new Transformer(new ModelConfig { VocabSize = 257, ContextLength = 128, Dim = 16, Layers = 1, Heads = 2, FfnDim = 32 }, seed: 1);
        var result = TaskEvaluator.Evaluate(model, TokenizerFactory.Create("bytes"), task, new TaskSettings(), CPU);
        Assert.Equal(accNorm ? ["acc", "acc_norm", "acc_norm_stderr", "acc_stderr"] : new[] { "acc", "acc_stderr" }, result.Metrics.Keys.Order(StringComparer.Ordinal));
    }
}

// acc against acc_norm on an item where length decides, the standard error's closed form, and answer extraction.
using Rho1.Evaluation.Tasks;

namespace Rho1.Tests.Evaluation.Tasks;

public class TaskMetricsTests
{
    [Fact]
    public void Acc_and_acc_norm_disagree_when_the_longer_choice_is_likelier_per_byte()
    {
        // " no" (3 bytes): −3 in all, −1 a byte; " yes, it is." (12 bytes): −6 in all, −0.5 a byte.
        Likelihood[] choices = [new(-3, 1, false), new(-6, 4, false)];
        Assert.Equal(0, TaskMetrics.Predict(choices));
        Assert.Equal(1, TaskMetrics.PredictNormalised(choices, [" no", " yes, it is."]));
        // Bytes, not characters: "é" is two bytes, so −3 over "ééé" (6 bytes) beats −2.6 over "abc" (3 bytes).
        Assert.Equal(0, TaskMetrics.PredictNormalised([new(-3, 1, false), new(-2.6, 1, false)], ["ééé", "abc"]));
    }

    [Fact]
    public void Standard_error_is_the_sample_standard_deviation_over_root_n()
    {
        bool[] scores = [true, true, true, false, false];
        var (mean, err) = TaskMetrics.Accuracy(scores);
        double p = 0.6, sampleVar = scores.Sum(s => Math.Pow((s ? 1 : 0) - p, 2)) / 4;
        Assert.Equal(p, mean, 12);
        Assert.Equal(Math.Sqrt(sampleVar / 5), err, 12);
        Assert.Equal(0, TaskMetrics.ArgMax([1.0, 1.0, 0.5])); // ties go to the first, as numpy's argmax
    }

    [Fact]
    public void Over_one_item_the_standard_error_is_undefined_and_said_to_be()
    {
        var (mean, err) = TaskMetrics.Accuracy([true]);
        Assert.Equal(1.0, mean);
        Assert.True(double.IsNaN(err));
        var report = TaskMetrics.Report((TaskMetrics.Acc, (mean, err)), (TaskMetrics.AccNorm, TaskMetrics.Accuracy([true, false])));
        Assert.Equal(["acc", "acc_norm", "acc_norm_stderr"], report.Keys.Order());
        var result = new TaskResult("one", "generic", 1, 0, report, 0.1);
        Assert.Equal("acc 1.0000 ± n/a  acc_norm 0.5000 ± 0.5000  (1 item, 0-shot)", result.Describe());
    }

    [Theory]
    [InlineData("She pays 5 + 7 = 12 dollars.\n#### 1,212", null, "1212")]
    [InlineData("The total is $1,234.", null, "1234")]
    [InlineData("First 3, then 4, so 7.", null, "7")]
    [InlineData("no number here ", null, "no number here")]
    [InlineData("The answer is (B).", @"\(([A-D])\)", "B")]
    [InlineData("nothing", @"\(([A-D])\)", "")]
    public void Answers_are_extracted_the_GSM8K_way_or_by_the_regex(string generated, string? regex, string expected) =>
        Assert.Equal(expected, AnswerExtraction.Predicted(generated, regex is null ? null : AnswerExtraction.Compile(regex)));

    [Fact]
    public void Reference_answers_are_what_follows_the_marks() => Assert.Equal("-3.5", AnswerExtraction.Reference("work\n#### -3.5"));

    [Fact]
    public void A_generation_task_reports_its_decoding_speed()
    {
        var result = new TaskResult("gen", "gsm8k", 8, 0, TaskMetrics.Report((TaskMetrics.ExactMatch, TaskMetrics.Accuracy([true, false]))), 4.0) { GeneratedTokens = 2048 };
        Assert.Equal(512.0, result.GeneratedTokensPerSecond);
        Assert.EndsWith("2,048 tokens generated at 512.0/s)", result.Describe());
        var json = System.Text.Json.JsonSerializer.Serialize(result);
        Assert.Contains("\"generated_tokens\":2048", json);
        Assert.DoesNotContain("generated_tokens", System.Text.Json.JsonSerializer.Serialize(result with { GeneratedTokens = null }));
    }
}

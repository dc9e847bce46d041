// The independent check: per-choice log-likelihoods that `rho1 eval --task` writes equal those of a float64 forward
// pass written from the Hugging Face Llama equations in plain Python (scripts/fixtures/make-task-fixture.py, standard library
// only, no Rho1 code), on a tiny bf16 Llama over UTF-8 bytes; so acc and acc_norm agree item by item. Both sequence
// starts: the harness's (nothing prepended, the default) and a training document's (the end-of-document id first).
using System.Text.Json.Nodes;
using Rho1.Evaluation.Tasks;
using Rho1.Tests.Fixtures;

namespace Rho1.Tests.Evaluation.Tasks;

public class IndependentLikelihoodTests
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "task-bytes", name);

    [Theory]
    [InlineData(TaskPrompt.Harness, "expected-harness.json")]
    [InlineData(TaskPrompt.Document, "expected.json")]
    public void Task_output_log_likelihoods_equal_a_float64_forward_written_apart(string start, string expectedFile)
    {
        using var dir = new TempDirectory();
        var events = new List<string>();
        var settings = new TaskSettings(BatchSize: 5) { SequenceStart = start };
        var results = TaskRun.Run(new TaskRunOptions(Fixture(""), [Fixture("items.jsonl")], settings, TaskOutput: dir.Path, Device: "cpu")
        {
            OnTaskStart = task => events.Add("start " + task), // a progress display's clock starts here, not at the first batch's end
            OnProgress = (task, done, all) => events.Add("progress " + task),
        });
        Assert.Equal("start items", events[0]);
        Assert.Contains("progress items", events);
        var expected = JsonNode.Parse(File.ReadAllText(Fixture(expectedFile)))!;
        var records = File.ReadAllLines(dir.Combine("items.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        var items = expected["items"]!.AsArray();
        Assert.Equal(items.Count, records.Count);
        for (int i = 0; i < items.Count; i++)
        {
            var want = items[i]!["loglik"]!.AsArray().Select(v => v!.GetValue<double>()).ToList();
            var got = records[i]["choices"]!.AsArray().Select(c => c!["loglik"]!.GetValue<double>()).ToList();
            Assert.Equal(want.Count, got.Count);
            for (int c = 0; c < want.Count; c++)
                Assert.True(Math.Abs(want[c] - got[c]) <= 1e-4, $"item {i} choice {c}: float64 {want[c]}, Rho1 {got[c]}");
            Assert.Equal(items[i]!["tokens"]!.AsArray().Select(v => v!.GetValue<int>()), records[i]["choices"]!.AsArray().Select(c => c!["tokens"]!.GetValue<int>()));
            Assert.Equal(items[i]!["pred"]!.GetValue<int>(), records[i]["pred"]!.GetValue<int>());
            Assert.Equal(items[i]!["pred_norm"]!.GetValue<int>(), records[i]["pred_norm"]!.GetValue<int>());
        }
        Assert.Equal(expected["acc"]!.GetValue<double>(), results[0].Metrics["acc"], 9);
        Assert.Equal(expected["acc_norm"]!.GetValue<double>(), results[0].Metrics["acc_norm"], 9);
        Assert.NotEqual(results[0].Metrics["acc"], results[0].Metrics["acc_norm"]); // the fixture holds items where length decides
        // The two starts score differently (the end-of-document id conditions every token after it).
        var other = JsonNode.Parse(File.ReadAllText(Fixture(start == TaskPrompt.Harness ? "expected.json" : "expected-harness.json")))!;
        Assert.NotEqual(other["items"]![0]!["loglik"]![0]!.GetValue<double>(), items[0]!["loglik"]![0]!.GetValue<double>());
    }
}

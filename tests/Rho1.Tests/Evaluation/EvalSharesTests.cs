// Evaluation shared by the ranks of a job (EvalShares; ranks as threads, ThreadedWorld): held-out loss, multiple-choice
// scores and generated answers over 2 and 3 ranks equal one process's bit for bit — metrics and every per-item record —
// and each rank runs only its own batches.
using System.Text.Json.Nodes;
using Rho1.Data.Reading;
using Rho1.Data.Tokenizers;
using Rho1.Evaluation;
using Rho1.Evaluation.Tasks;
using Rho1.Model;
using Rho1.Tests.Distributed;
using Rho1.Tests.Fixtures;
using static TorchSharp.torch;

namespace Rho1.Tests.Evaluation;

[Collection("synthetic")]
public class EvalSharesTests(SyntheticData data)
{
    static readonly ModelConfig Config = new() { VocabSize = 257, ContextLength = 64, Dim = 32, Layers = 2, Heads = 4, KvHeads = 2, FfnDim = 64 };

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Held_out_loss_over_ranks_equals_one_process(int ranks)
    {
        using var dataset = TokenDataset.OpenVerified(data.Heldout);
        string split = HeldOutSplit.Choose(dataset, null);
        using var model = new Transformer(Config, seed: 3);
        var one = Evaluator.Evaluate(model, dataset.Split(split), 0.9, batchSize: 4, seqLen: 32, maxBatches: 7, CPU);
        var results = new EvalResult[ranks];
        var windows = new long[ranks];
        ThreadedWorld.Run(ranks, world =>
        {
            using var copy = new Transformer(Config, seed: 3);
            results[world.Rank] = Evaluator.Evaluate(copy, dataset.Split(split), 0.9, 4, 32, 7, CPU, (done, _) => windows[world.Rank] = done, new EvalShares(world));
        });
        Assert.All(results, r => Assert.Equal(one, r));
        // 7 batches of 4 windows dealt round robin: rank r runs batches r, r + N, ...
        Assert.Equal(Enumerable.Range(0, ranks).Select(r => 4L * Enumerable.Range(0, 7).Count(b => b % ranks == r)), windows);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Task_metrics_and_records_over_ranks_equal_one_process(int ranks)
    {
        using var dir = new TempDirectory();
        var choice = EvalTask.Load(dir.File("choice.jsonl", string.Join("\n", Enumerable.Range(0, 11).Select(i =>
            $$"""{"context": "Item {{i}}: the", "choices": [" cat sat.", " qq{{i}}zx", " dog ran", " émoji ✓"], "gold": {{i % 4}}}"""))));
        var generation = EvalTask.Load(dir.File("gen.jsonl", string.Join("\n", Enumerable.Range(0, 9).Select(i =>
            $$"""{"question": "What is {{i}} plus {{i}}?", "answer": "It is {{2 * i}}.\n#### {{2 * i}}"}"""))));
        var settings = new TaskSettings(BatchSize: 3, MaxGenTokens: 12);
        var bytes = TokenizerFactory.Create("bytes");
        using var model = new Transformer(Config, seed: 4);
        var expected = new[] { choice, generation }.Select(task =>
        {
            var records = new List<JsonObject>();
            var result = TaskEvaluator.Evaluate(model, bytes, task, settings, CPU, records);
            return (result.Metrics, Records: string.Join("\n", records.Select(r => r.ToJsonString())), result.GeneratedTokens);
        }).ToList();
        var got = new (IReadOnlyDictionary<string, double> Metrics, string Records, long? Tokens)[ranks, 2];
        ThreadedWorld.Run(ranks, world =>
        {
            using var copy = new Transformer(Config, seed: 4);
            var tasks = new[] { choice, generation };
            for (int k = 0; k < 2; k++)
            {
                var records = new List<JsonObject>();
                var result = TaskEvaluator.Evaluate(copy, bytes, tasks[k], settings, CPU, records, shares: new EvalShares(world));
                got[world.Rank, k] = (result.Metrics, string.Join("\n", records.Select(r => r.ToJsonString())), result.GeneratedTokens);
            }
        });
        for (int r = 0; r < ranks; r++)
            for (int k = 0; k < 2; k++)
            {
                Assert.Equal(expected[k].Metrics, got[r, k].Metrics);
                Assert.Equal(expected[k].Records, got[r, k].Records);
                Assert.Equal(expected[k].GeneratedTokens, got[r, k].Tokens);
            }
    }

    [Fact]
    public void Texts_combine_whatever_each_rank_holds()
    {
        string?[][] parts = new string?[3][];
        ThreadedWorld.Run(3, world =>
        {
            // Rank 0 holds entries 0 and 3, rank 1 entry 1 (empty text), rank 2 nothing; entry 2 is nobody's.
            var texts = new string?[4];
            if (world.Rank == 0) (texts[0], texts[3]) = ("héllo ✓", new string('x', 5000));
            if (world.Rank == 1) texts[1] = "";
            new EvalShares(world).Combine(texts);
            parts[world.Rank] = texts;
        });
        Assert.All(parts, texts => Assert.Equal(new string?[] { "héllo ✓", "", null, new string('x', 5000) }.AsEnumerable(), texts));
    }
}

// `rho1 analyze`: per-token loss of every held-out token under each checkpoint, the four trajectory shares
// (the paper found H→H 11%, L→H 12%, H→L 26%, L→L 51%), a table and a plot of each category's mean loss.
using System.Globalization;
using System.Text;
using System.Text.Json;
using Rho1.Data.Batches;
using Rho1.Data.Reading;
using Rho1.Evaluation.Reports;
using Rho1.IO;
using Rho1.Model;
using Rho1.Model.Storage;
using Rho1.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Evaluation.Dynamics;

public static class Analyze
{
    static readonly string[] Labels = { "H->H", "L->H", "H->L", "L->L" };

    public static AnalyzeResult Run(AnalyzeOptions o)
    {
        var checkpoints = o.Checkpoints;
        if (checkpoints.Count < 2) throw new UserErrorException($"--checkpoints: give at least two (got {checkpoints.Count})");
        var dev = DeviceSpec.Resolve(o.Device);
        using var dataset = TokenDataset.Open(o.DataDir);
        string split = HeldOutSplit.Choose(dataset, o.Split, minTokens: 2);
        var losses = new List<float[]>();
        var progress = new List<double>();
        int index = 0;
        foreach (string path in checkpoints)
        {
            using var loaded = ModelLoader.Load(path, dev, precision: "fp32");
            var state = loaded.Info;
            TokenizerMatch.Require($"checkpoint {path}", state.Tokenizer, state.VocabSize, dataset);
            int at = index++;
            losses.Add(TokenLosses(loaded.Model, dataset.Split(split), state.SeqLen, o.MaxTokens, o.BatchSize, dev,
                o.OnProgress is null ? null : (done, total) => o.OnProgress(at * total + done, checkpoints.Count * total)));
            progress.Add(state.Step);
            if (losses[^1].Length != losses[0].Length)
                throw new UserErrorException($"checkpoint {path} has seq_len {state.SeqLen}, unlike the first checkpoint; analyze checkpoints of one run");
        }
        if (progress.Distinct().Count() < 2) // e.g. finals of different runs: fall back to their order
            progress = Enumerable.Range(0, checkpoints.Count).Select(i => (double)i).ToList();
        else
        {
            // Training order, whatever order they were given in: "first" and "last" in the table mean earliest and latest.
            var order = Enumerable.Range(0, checkpoints.Count).OrderBy(i => progress[i]).ToList();
            (checkpoints, losses, progress) = (order.Select(i => checkpoints[i]).ToList(), order.Select(i => losses[i]).ToList(), order.Select(i => progress[i]).ToList());
        }
        var categories = TokenDynamics.Classify(losses, progress);
        var shares = Labels.Select((l, k) => (l, categories.Count(c => (int)c == k) / (double)categories.Length)).ToDictionary(p => p.l, p => p.Item2);
        Write(o.OutDir, checkpoints, progress, losses, categories, shares);
        return new AnalyzeResult(shares, categories.Length, checkpoints);
    }

    static float[] TokenLosses(Transformer model, TokenSplit split, int seqLen, long maxTokens, int batchSize, Device dev, Action<long, long>? onProgress)
    {
        long windows = Math.Min(SequentialWindows.Count(split, seqLen), Math.Max(1, maxTokens / seqLen));
        if (windows < 1) throw new UserErrorException($"split '{split.Name}' is shorter than one window of {seqLen + 1} tokens");
        var result = new float[windows * seqLen];
        WindowLosses.ForEach(model, split, seqLen, 0, windows, batchSize, dev, (first, rows, losses) =>
        {
            losses.cpu().data<float>().CopyTo(result.AsSpan((int)(first * seqLen), rows * seqLen));
            onProgress?.Invoke(first + rows, windows);
        });
        return result;
    }

    static void Write(string outDir, IReadOnlyList<string> checkpoints, IReadOnlyList<double> progress, List<float[]> losses, TokenCategory[] categories,
        IReadOnlyDictionary<string, double> shares)
    {
        Directory.CreateDirectory(outDir);
        var paper = new Dictionary<string, double> { ["H->H"] = 0.11, ["L->H"] = 0.12, ["H->L"] = 0.26, ["L->L"] = 0.51 };
        AtomicFile.WriteAllText(Path.Combine(outDir, "token-categories.json"), JsonSerializer.Serialize(new
        {
            tokens = categories.Length, checkpoints, progress, shares, paper_shares = paper,
        }, new JsonSerializerOptions { WriteIndented = true }));
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"{categories.Length:N0} held-out tokens across {checkpoints.Count} checkpoints (in training order).");
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Each token's loss is fitted with a line against training progress (0 at the first checkpoint, 1 at the last); a fitted change below −{TokenDynamics.Threshold} is H→L, above {TokenDynamics.Threshold} L→H; otherwise L→L when its final loss is at most the mean final loss of all tokens, else H→H."));
        md.AppendLine();
        md.AppendLine("| category | share | paper (Rho-1, Fig. 2) | mean loss at first checkpoint | mean loss at last |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        var series = new List<PlotSeries>();
        for (int k = 0; k < Labels.Length; k++)
        {
            var idx = Enumerable.Range(0, categories.Length).Where(i => (int)categories[i] == k).ToArray();
            var means = losses.Select(l => idx.Length == 0 ? double.NaN : idx.Average(i => (double)l[i])).ToList();
            md.AppendLine(CultureInfo.InvariantCulture, $"| {Labels[k]} | {shares[Labels[k]]:P1} | {paper[Labels[k]]:P0} | {means[0]:F3} | {means[^1]:F3} |");
            if (idx.Length > 0)
                series.Add(new PlotSeries($"{Labels[k]} ({shares[Labels[k]]:P0})", progress.ToList(), means));
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, "token-categories.md"), md.ToString());
        LinePlot.Save(Path.Combine(outDir, "token-categories.png"), "Mean held-out token loss by trajectory category",
            "training step of checkpoint", "mean loss (nats/token)", series, legendOutside: true);
    }
}

// `rho1 quickstart`: the whole Rho-1 method end to end on generated data, with no network and no arguments:
// clean and noisy corpora, a reference trained on clean text, offline scores, then SLM at 60% against a
// plain baseline on the noisy corpus, both evaluated on clean held-out text.
using System.Text.Json;
using Rho1.Data.Prepare;
using Rho1.Data.Synthetic;
using Rho1.IO;
using Rho1.Reference;
using Rho1.Training;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;
using Serilog;

namespace Rho1.Experiments;

public static class Quickstart
{
    const string Marker = "quickstart.json";

    public static QuickstartResult Run(QuickstartOptions o, CancellationToken cancel = default)
    {
        var (outDir, device, seed, noiseShare) = (o.OutDir, o.Device, o.Seed, o.NoiseShare);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        if (!(noiseShare >= 0 && noiseShare < 1))
            throw new UserErrorException($"--noise-share {noiseShare}: must be in [0, 1)");
        var existing = OutputDirectory.Inspect(outDir);
        string work = outDir;
        if (existing.Kind is not (OutputDirectory.Kind.Missing or OutputDirectory.Kind.Empty))
        {
            // Only a quickstart's own folder (its marker, nothing foreign) is replaced, with --force, and only once the new
            // one is complete: it is built beside the old one, which a failure or a kill leaves as it was.
            if (existing.Kind != OutputDirectory.Kind.Quickstart || existing.FirstForeign != null)
                throw new UserErrorException(OutputDirectory.Refusal("--out", outDir, existing, OutputDirectory.Kind.Quickstart));
            if (!o.Force)
                throw new UserErrorException($"--out {outDir}: holds an earlier quickstart; pass --force to replace it (it stays until the new one is complete), or choose another --out");
            work = AtomicDirectory.TempFor(outDir);
            Log.Information("building the new quickstart in {Work}; it replaces {Dir} when complete", work, outDir);
        }
        try
        {
            var result = Build(o with { OutDir = work }, cancel);
            if (work != outDir)
                AtomicDirectory.Publish(work, outDir);
            return result with
            {
                OutDir = outDir, WallSeconds = watch.Elapsed.TotalSeconds,
                Rows = [.. result.Rows.Select(r => r with { Dir = Path.Combine(outDir, Path.GetRelativePath(work, r.Dir)) })],
            };
        }
        catch when (work != outDir)
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
            throw;
        }
    }

    /// <summary>The quickstart itself, in <paramref name="o"/>.OutDir (a new or empty folder).</summary>
    static QuickstartResult Build(QuickstartOptions o, CancellationToken cancel)
    {
        var (outDir, device, seed, noiseShare) = (o.OutDir, o.Device, o.Seed, o.NoiseShare);
        Directory.CreateDirectory(outDir);
        AtomicFile.WriteAllText(Path.Combine(outDir, Marker), JsonSerializer.Serialize(new { seed, started = DateTime.UtcNow }));
        // Enough steps for the curves to separate, and evaluations often enough to see when they do.
        var defaults = new[] { "train.steps=800", "train.eval_every=40", "train.lr=2e-3", "train.checkpoint_every=0", $"train.seed={seed}" };
        var config = ConfigLoader.Load(o.ConfigPath, defaults.Concat(o.Overrides));
        string P(params string[] parts) => Path.Combine([outDir, .. parts]);

        Log.Information("1/5 generating corpora (clean; noisy = clean with {Share:P0} of characters noise; held-out clean)", noiseShare);
        SyntheticCorpus.Write(P("corpus"), (ulong)seed, cleanDocs: 600, noisyDocs: 600, heldoutDocs: 60, noiseShare: noiseShare);
        foreach (string name in new[] { "clean", "noisy", "heldout" })
            DatasetPreparer.Run(new PrepareOptions(new[] { P("corpus", name + ".jsonl") }, P("data", name), "bytes")
                { ValFraction = name == "heldout" ? 0 : 0.05, Seed = seed });

        Log.Information("2/5 training the reference model on clean text");
        new Trainer(new TrainOptions(config, P("data", "clean"), P("runs", "reference"), device, TensorBoard: false), _ => new ClmObjective()).Run(cancel);

        Log.Information("3/5 scoring the noisy corpus with the reference (offline)");
        ReferenceScorer.Run(new ScoreOptions(P("runs", "reference"), P("data", "noisy"), P("runs", "scores"), SeqLen: config.Train.SeqLen, Device: device), cancel);

        var rows = new List<QuickstartRow>();
        foreach (var (name, ratio) in new[] { ("baseline (all tokens)", 1.0), ("slm (top 60%)", 0.6) })
        {
            Log.Information("{Step}/5 training {Name} on the noisy corpus", name.StartsWith("base", StringComparison.Ordinal) ? 4 : 5, name);
            string dir = P("runs", ratio >= 1 ? "baseline" : "slm-0.6");
            var runConfig = config with { Selection = config.Selection with { Ratio = ratio } };
            var summary = new Trainer(new TrainOptions(runConfig, P("data", "noisy"), dir, device, TensorBoard: false) { EvalDataDir = P("data", "heldout") },
                setup => SelectiveObjective.For(setup, null, ratio < 1 ? P("runs", "scores") : null)).Run(cancel);
            rows.Add(new QuickstartRow(name, ratio, summary.FinalValLoss ?? double.NaN, summary.FinalValBpb ?? double.NaN, null, summary.TokensPerSecond, dir)
            {
                HeldoutTokens = summary.FinalValTokens ?? 0,
            });
        }
        double target = rows[0].HeldoutLoss;
        rows = rows.Select(r => r with { StepsToBaseline = RunCurve.FirstStepReaching(RunCurve.Read(r.Dir), target) }).ToList();
        return new QuickstartResult(rows, config.Train.Steps, outDir, 0);
    }
}

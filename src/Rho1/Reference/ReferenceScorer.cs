// `rho1 score`: the reference model's loss on every token of a prepared split, once, in window order, so
// many training runs can share it. Resumable: progress is recorded at batch boundaries in OUT.partial/,
// and a resumed run writes exactly the bytes an uninterrupted one would. The result is renamed into place.
// Under a launcher (mpirun, srun, torchrun) each rank scores a contiguous share of the batches a single process
// would run, into the same file; rank 0 seals and publishes it, byte for byte what one process writes. A killed
// job resumes with the same command at any number of processes (ScoreProgress).
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using Rho1.Data.Reading;
using Rho1.IO;
using Rho1.Model;
using Rho1.Model.Storage;
using Rho1.Platform;
using Serilog;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Reference;

public static class ReferenceScorer
{
    public static ScoreMeta Run(ScoreOptions o, CancellationToken cancel = default)
    {
        if (o.BatchSize <= 0) throw new UserErrorException($"--batch-size {o.BatchSize}: must be positive");
        if (!ComputePrecision.IsKnown(o.Precision)) throw new UserErrorException($"--precision {o.Precision}: must be fp32, bf16 or auto");
        if (!(o.SaveEverySeconds >= 0)) throw new UserErrorException($"--save-every {o.SaveEverySeconds}: must be >= 0 seconds");
        string outDir = Path.GetFullPath(o.OutDir.TrimEnd('/'));
        OutputDirectory.RequireWritable("--out", o.OutDir, OutputDirectory.Kind.Scores, o.Force);
        var device = DeviceSpec.Resolve(o.Device, o.LocalRank, o.LocalSize);
        using var dataset = TokenDataset.OpenVerified(o.DataDir);
        var split = dataset.Split(o.Split);
        string precision = ComputePrecision.Resolve(o.Precision, device.type == DeviceType.CUDA, CpuFeatures.HasNativeBf16(CpuFeatures.CpuFlags));
        using var loaded = ModelLoader.Load(o.Reference, device, precision);
        var (model, state) = (loaded.Model, loaded.Info);
        TokenizerMatch.Require($"reference {o.Reference}", state.Tokenizer, state.VocabSize, dataset);
        int seqLen = o.SeqLen > 0 ? o.SeqLen : state.SeqLen;
        if (seqLen > model.Config.ContextLength)
            throw new UserErrorException($"--seq-len {seqLen} exceeds the reference's model.context_length={model.Config.ContextLength}");
        long windows = SequentialWindows.Count(split, seqLen);
        if (windows < 1)
            throw new UserErrorException($"split '{o.Split}' of {o.DataDir} has {split.Length} tokens, fewer than one window of {seqLen + 1}");

        var identity = new JsonObject
        {
            ["dataset_fingerprint"] = dataset.Fingerprint, ["split"] = o.Split, ["seq_len"] = seqLen,
            ["reference"] = Path.GetFullPath(loaded.Path), ["precision"] = precision, ["batch_size"] = o.BatchSize,
        };
        string partial = outDir + ".partial", payload = Path.Combine(partial, ScoreFile.FileName);
        var world = o.World;
        bool main = world.Rank == 0;
        // Every rank reads what is on disk before rank 0 changes any of it.
        var finished = SealedMeta(partial, identity);
        var done = finished is null ? ScoreProgress.Read(partial, identity, m => { if (main) Log.Warning("{Message}", m); }) : [];
        world.Barrier();
        if (finished is not null)
        {
            // A kill landed between sealing and the rename: the scores are complete, only the publish is left.
            if (main)
            {
                Log.Information("{Partial} is complete; publishing it", partial);
                Publish(partial, outDir, finished);
            }
            world.Barrier();
            return finished;
        }
        if (main)
        {
            if (done.Count == 0)
            {
                if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
                Directory.CreateDirectory(partial);
                ScoreFile.Create(payload, split.Length);
            }
            else
            {
                Log.Information("resuming scoring: {Done:N0} of {Windows:N0} windows are done", done.Sum(r => r.Length), windows);
                foreach (string stale in AtomicFile.Leftovers(partial))
                    File.Delete(stale); // a progress file replacement the kill interrupted
            }
        }
        world.Barrier();

        // This rank's share of what is left, in whole batches of a single process's batching; the others write theirs
        // into the same file (a file system every rank sees), at their windows' offsets.
        var mine = ScoreProgress.Share(ScoreProgress.Remaining(done, windows), windows, o.BatchSize, world.Rank, world.Size);
        long before = done.Sum(r => r.Length), mineTotal = mine.Sum(r => r.Length), mineDone = 0;
        if (world.Size > 1)
            Log.Information("rank {Rank} of {Size}: {Windows:N0} windows in {Ranges} range(s)", world.Rank, world.Size, mineTotal, mine.Count);
        // After every check that can refuse the command, so that a refusal stays one line.
        if (main && device.type == DeviceType.CPU && ComputeThreads.BusyMachineWarning() is { } busy)
            Log.Warning("{Busy}", busy);
        var values = new float[o.BatchSize * seqLen];
        var sinceSave = Stopwatch.StartNew();
        var written = new List<ScoreProgress.Range>(done);
        string progressPath = ScoreProgress.FileOf(partial, world.Rank);
        using (var file = new FileStream(payload, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        try
        {
            foreach (var range in mine)
                WindowLosses.ForEach(model, split, seqLen, range.Start, range.Length, o.BatchSize, device, (first, rows, losses) =>
                {
                    losses.cpu().data<float>().CopyTo(values.AsSpan(0, rows * seqLen)); // (B, T)
                    // Windows k*T .. are consecutive, so their targets k*T+1 .. (k+rows)*T form one contiguous run.
                    file.Position = ScoreFile.HeaderBytes + (first * seqLen + 1) * 4;
                    file.Write(MemoryMarshal.AsBytes(values.AsSpan(0, rows * seqLen)));
                    written.Add(new ScoreProgress.Range(first, first + rows));
                    Platform.FaultInjection.At("score");
                    mineDone += rows;
                    if (sinceSave.Elapsed.TotalSeconds >= o.SaveEverySeconds || mineDone == mineTotal)
                    {
                        file.Flush(flushToDisk: true);
                        ScoreProgress.Save(progressPath, identity, written);
                        sinceSave.Restart();
                    }
                    // The whole job's progress, estimated from this rank's share (the ranks' shares differ by a batch at most).
                    o.OnProgress?.Invoke(Math.Min(windows, before + (mineTotal == 0 ? 0 : (windows - before) * mineDone / mineTotal)), windows);
                    o.AfterBatch?.Invoke(first + rows);
                }, cancel);
        }
        catch (OperationCanceledException e)
        {
            // Ctrl-C or SIGTERM between batches: everything scored so far is kept for the rerun.
            file.Flush(flushToDisk: true);
            ScoreProgress.Save(progressPath, identity, written);
            long total = ScoreProgress.Union(written).Sum(r => r.Length);
            throw new InterruptedException($"interrupted after {total:N0} of {windows:N0} windows; progress saved in {partial}; rerun the same command " +
                "(at any number of processes) to continue", e);
        }
        if (mine.Count == 0 && world.Size > 1)
            ScoreProgress.Save(progressPath, identity, written);
        world.Barrier(); // every rank's windows are on disk

        if (!main)
        {
            world.Barrier(); // rank 0 seals and publishes
            return JsonSerializer.Deserialize<ScoreMeta>(File.ReadAllText(Path.Combine(outDir, ScoreFile.MetaName)))!;
        }
        var all = ScoreProgress.Read(partial, identity, m => Log.Warning("{Message}", m));
        if (ScoreProgress.Remaining(all, windows) is { Count: > 0 } missing)
            throw new InvalidOperationException($"windows {missing[0].Start}-{missing[0].End - 1} (and {missing.Count - 1} more ranges) were not scored; " +
                "rerun the same command to score them");
        string sha = ScoreFile.Seal(payload, split.Length, seqLen);
        var meta = new ScoreMeta
        {
            DatasetFingerprint = dataset.Fingerprint, Split = o.Split, SeqLen = seqLen, Tokens = split.Length, Windows = windows,
            Tokenizer = dataset.Meta.Tokenizer, VocabSize = dataset.Meta.VocabSize, Reference = identity["reference"]!.GetValue<string>(),
            Precision = precision, MeanLoss = MeanLoss(payload, windows * seqLen), Sha256 = sha,
        };
        AtomicFile.WriteAllText(Path.Combine(partial, ScoreFile.MetaName), JsonSerializer.Serialize(meta, new JsonSerializerOptions { WriteIndented = true }));
        AtomicFile.WriteAllText(Path.Combine(partial, ScoreFile.DoneName), sha + "\n");
        Publish(partial, outDir, meta);
        world.Barrier();
        return meta;
    }

    static void Publish(string partial, string outDir, ScoreMeta meta)
    {
        // DONE marks the partial as finished, so the progress files (and a replacement a kill interrupted) go before the
        // rename: the published directory holds exactly scores.bin, meta.json and DONE, also when a kill landed between
        // sealing and this cleanup and a rerun publishes.
        foreach (string progress in ScoreProgress.Files(partial).Concat(AtomicFile.Leftovers(partial)))
            File.Delete(progress);
        AtomicDirectory.Publish(partial, outDir); // under --force the old scores stay in place until this rename
        Log.Information("scored {Tokens:N0} tokens ({Windows:N0} windows of {T}); mean reference loss {Loss:F4}; wrote {Out}",
            meta.Windows * meta.SeqLen, meta.Windows, meta.SeqLen, meta.MeanLoss, outDir);
    }

    /// <summary>The meta of a sealed partial (DONE written) made for this same request, or null.</summary>
    static ScoreMeta? SealedMeta(string partial, JsonObject identity)
    {
        string done = Path.Combine(partial, ScoreFile.DoneName), metaPath = Path.Combine(partial, ScoreFile.MetaName);
        if (!File.Exists(done) || !File.Exists(metaPath)) return null;
        try
        {
            var meta = JsonSerializer.Deserialize<ScoreMeta>(File.ReadAllText(metaPath));
            bool same = meta != null && meta.Sha256 == File.ReadAllText(done).Trim()
                && meta.DatasetFingerprint == identity["dataset_fingerprint"]!.GetValue<string>()
                && meta.Split == identity["split"]!.GetValue<string>() && meta.SeqLen == identity["seq_len"]!.GetValue<int>()
                && meta.Reference == identity["reference"]!.GetValue<string>() && meta.Precision == identity["precision"]!.GetValue<string>();
            if (!same) Log.Warning("{Partial} holds finished scores for a different request; starting over", partial);
            return same ? meta : null;
        }
        catch (JsonException e)
        {
            Log.Warning("{Meta} is unreadable ({Error}); starting over", metaPath, e.Message);
            return null;
        }
    }

    static double MeanLoss(string payload, long count)
    {
        using var stream = new FileStream(payload, FileMode.Open, FileAccess.Read);
        using var reader = new BinaryReader(stream);
        stream.Position = ScoreFile.HeaderBytes + 4;
        double sum = 0;
        for (long i = 0; i < count; i++) sum += reader.ReadSingle();
        return sum / count;
    }
}

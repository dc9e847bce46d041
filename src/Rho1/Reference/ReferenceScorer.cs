// `rho1 score`: the reference model's loss on every token of a prepared split, once, in window order, so
// many training runs can share it. Resumable: progress is recorded at batch boundaries in OUT.partial/,
// and a resumed run writes exactly the bytes an uninterrupted one would. The result is renamed into place.
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
        var device = DeviceSpec.Resolve(o.Device);
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
        string partial = outDir + ".partial", payload = Path.Combine(partial, ScoreFile.FileName), progressPath = Path.Combine(partial, "progress.json");
        if (SealedMeta(partial, identity) is { } finished)
        {
            // A kill landed between sealing and the rename: the scores are complete, only the publish is left.
            Log.Information("{Partial} is complete; publishing it", partial);
            return Publish(partial, outDir, finished);
        }
        long done = ResumePoint(partial, progressPath, identity);
        if (done == 0)
        {
            if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
            Directory.CreateDirectory(partial);
            ScoreFile.Create(payload, split.Length);
        }
        else
        {
            Log.Information("resuming scoring at window {Done} of {Windows}", done, windows);
            foreach (string stale in Directory.GetFiles(partial, ".*.tmp-*"))
                File.Delete(stale); // a progress.json replacement the kill interrupted
        }

        // After every check that can refuse the command, so that a refusal stays one line.
        if (device.type == DeviceType.CPU && ComputeThreads.BusyMachineWarning() is { } busy)
            Log.Warning("{Busy}", busy);
        var values = new float[o.BatchSize * seqLen];
        var sinceSave = Stopwatch.StartNew();
        using (var file = new FileStream(payload, FileMode.Open, FileAccess.ReadWrite))
        try
        {
            WindowLosses.ForEach(model, split, seqLen, done, windows - done, o.BatchSize, device, (first, rows, losses) =>
            {
                losses.cpu().data<float>().CopyTo(values.AsSpan(0, rows * seqLen)); // (B, T)
                // Windows k*T .. are consecutive, so their targets k*T+1 .. (k+rows)*T form one contiguous run.
                file.Position = ScoreFile.HeaderBytes + (first * seqLen + 1) * 4;
                file.Write(MemoryMarshal.AsBytes(values.AsSpan(0, rows * seqLen)));
                done = first + rows;
                if (sinceSave.Elapsed.TotalSeconds >= o.SaveEverySeconds || done == windows)
                {
                    file.Flush(flushToDisk: true);
                    SaveProgress(progressPath, identity, done);
                    sinceSave.Restart();
                }
                o.OnProgress?.Invoke(done, windows);
                o.AfterBatch?.Invoke(done);
            }, cancel);
        }
        catch (OperationCanceledException e)
        {
            // Ctrl-C or SIGTERM between batches: everything scored so far is kept for the rerun.
            file.Flush(flushToDisk: true);
            SaveProgress(progressPath, identity, done);
            throw new InterruptedException($"interrupted after {done:N0} of {windows:N0} windows; progress saved in {partial}; rerun the same command to continue", e);
        }

        string sha = ScoreFile.Seal(payload, split.Length, seqLen);
        var meta = new ScoreMeta
        {
            DatasetFingerprint = dataset.Fingerprint, Split = o.Split, SeqLen = seqLen, Tokens = split.Length, Windows = windows,
            Tokenizer = dataset.Meta.Tokenizer, VocabSize = dataset.Meta.VocabSize, Reference = identity["reference"]!.GetValue<string>(),
            Precision = precision, MeanLoss = MeanLoss(payload, windows * seqLen), Sha256 = sha,
        };
        AtomicFile.WriteAllText(Path.Combine(partial, ScoreFile.MetaName), JsonSerializer.Serialize(meta, new JsonSerializerOptions { WriteIndented = true }));
        AtomicFile.WriteAllText(Path.Combine(partial, ScoreFile.DoneName), sha + "\n");
        // From here DONE marks the partial as finished, so progress.json can go before the rename: the published
        // directory holds exactly scores.bin, meta.json and DONE whenever the kill lands.
        File.Delete(progressPath);
        return Publish(partial, outDir, meta);
    }

    static ScoreMeta Publish(string partial, string outDir, ScoreMeta meta)
    {
        AtomicDirectory.Publish(partial, outDir); // under --force the old scores stay in place until this rename
        Log.Information("scored {Tokens:N0} tokens ({Windows:N0} windows of {T}); mean reference loss {Loss:F4}; wrote {Out}",
            meta.Windows * meta.SeqLen, meta.Windows, meta.SeqLen, meta.MeanLoss, outDir);
        return meta;
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

    static long ResumePoint(string partial, string progressPath, JsonObject identity)
    {
        if (!File.Exists(progressPath)) return 0;
        try
        {
            var saved = JsonNode.Parse(File.ReadAllText(progressPath))!.AsObject();
            foreach (var (key, value) in identity)
                if (saved[key]?.ToJsonString() != value?.ToJsonString())
                {
                    Log.Warning("{Partial} was started with different {Key}; starting over", partial, key);
                    return 0;
                }
            return saved["windows_done"]!.GetValue<long>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
        {
            Log.Warning("{Progress} is unreadable ({Error}); starting over", progressPath, e.Message);
            return 0;
        }
    }

    static void SaveProgress(string path, JsonObject identity, long done)
    {
        var record = (JsonObject)identity.DeepClone();
        record["windows_done"] = done;
        AtomicFile.WriteAllText(path, record.ToJsonString());
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

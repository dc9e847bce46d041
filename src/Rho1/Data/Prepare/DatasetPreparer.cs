// `rho1 prepare` as a library call: inputs -> slices (text files, Parquet row groups) -> documents -> token ids + EOS
// -> train/val shards + meta.json. A reader thread streams documents in bounded batches, the batch is tokenized on
// every core, and ids are written in document order, so the output bytes do not depend on the thread count. With
// --part I/N only a contiguous run of slices is prepared, its documents numbered from where they stand in the whole
// input (the preceding slices are read, not tokenized, to count them), so that merged parts equal one prepare.
// Everything is written to a temporary directory beside the output and renamed into place only when complete.
using System.Collections.Concurrent;
using System.Text;
using Rho1.Data.Format;
using Rho1.Data.Reading;
using Rho1.Data.Tokenizers;
using Rho1.IO;
using Serilog;

namespace Rho1.Data.Prepare;

/// <summary>Tokenizes a corpus into a dataset directory that <see cref="TokenDataset.Open"/> reads.</summary>
public static class DatasetPreparer
{
    const int BatchChars = 1 << 20; // batches bound memory: (queue capacity + 1) x this many chars and their ids
    const int BatchDocuments = 8192;

    /// <summary>
    /// Prepares the dataset described by <paramref name="options"/> and returns its metadata. Bad input throws
    /// <see cref="UserErrorException"/> and leaves the output untouched; <paramref name="progress"/> is called after
    /// each batch, on the calling thread.
    /// </summary>
    public static DatasetMeta Run(PrepareOptions options, IProgress<PrepareProgress>? progress = null, CancellationToken cancel = default)
    {
        Validate(options);
        string output = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.Output));
        OutputDirectory.RequireWritable("--output", options.Output, OutputDirectory.Kind.Dataset, options.Force);
        var tokenizer = TokenizerFactory.Create(options.Tokenizer);
        var framing = DocumentFraming.Resolve(tokenizer, options.Bos, options.Eos); // a bad --bos/--eos is refused before anything is read
        Log.Debug("Documents framed as {Bos}text, then {Eos}", framing.BosId is { } b ? $"BOS (id {b}), " : "", $"EOS (id {framing.EosId})");
        var files = InputResolver.Resolve(options.Inputs, options.SkipUnknown);
        var all = InputResolver.Slices(files);
        var (inputs, part) = options.Part is { } p ? Part(all, files, p, options, cancel) : (all, null);
        string parent = Path.GetDirectoryName(output)!;
        Directory.CreateDirectory(parent);
        string temp = Path.Combine(parent, $".{Path.GetFileName(output)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            // Debug, not Information: a malformed input found while reading must stay the only line on stderr.
            Log.Debug("Preparing {Slices} input slices ({Megabytes:F1} MB) with tokenizer {Tokenizer} into {Output}",
                inputs.Count, inputs.Sum(f => f.Bytes) / 1e6, tokenizer.Id, output);
            var meta = Write(temp, tokenizer, framing, inputs, options, part, progress, cancel);
            Publish(temp, output, options);
            Log.Information("Wrote {Output}: train {TrainTokens} tokens in {TrainDocs} documents, val {ValTokens} tokens in {ValDocs} documents",
                output, meta.Splits["train"].Tokens, meta.Splits["train"].Documents, meta.Splits["val"].Tokens, meta.Splits["val"].Documents);
            return meta;
        }
        catch (Exception e)
        {
            if (Directory.Exists(temp))
                Directory.Delete(temp, recursive: true);
            if (e is OperationCanceledException)
                throw new InterruptedException($"interrupted; the unfinished dataset was removed and {options.Output} left as it was", e);
            throw;
        }
    }

    static void Validate(PrepareOptions o)
    {
        if (!(o.ValFraction >= 0 && o.ValFraction < 1))
            throw new UserErrorException($"--val-fraction {o.ValFraction} is outside [0, 1)");
        if (o.ShardTokens < 1)
            throw new UserErrorException($"--shard-tokens {o.ShardTokens} must be at least 1");
        if (o.Threads < 1)
            throw new UserErrorException($"--threads {o.Threads} must be at least 1");
        if (string.IsNullOrEmpty(o.JsonlField))
            throw new UserErrorException("--jsonl-field must not be empty");
    }

    /// <summary>
    /// The slices of part <paramref name="p"/>, and its "part" metadata but for its document count: its first document's index
    /// in the whole input, counted by reading (not tokenizing) the slices before it.
    /// </summary>
    static (IReadOnlyList<InputSlice> Slices, PartMeta Part) Part(IReadOnlyList<InputSlice> all, IReadOnlyList<InputFile> files, InputPart p,
        PrepareOptions options, CancellationToken cancel)
    {
        var (first, end) = InputPartition.Range([.. all.Select(s => s.Bytes)], p);
        var counter = new DocumentReader(options.JsonlField, options.SplitBlankLines, options.AllowBinary);
        long before = 0;
        for (int i = 0; i < first; i++)
        {
            cancel.ThrowIfCancellationRequested();
            before += counter.Documents(all[i], _ => { }).LongCount();
        }
        Log.Information("part {Index}/{Count}: slices {First}-{Last} of {Slices} (files and Parquet row groups), documents from {Before:N0}",
            p.Index, p.Count, first, end - 1, all.Count, before);
        return ([.. all.Skip(first).Take(end - first)], new PartMeta(p.Index, p.Count, first, end, all.Count, before, 0, InputPartition.Fingerprint(files, all.Count)));
    }

    static DatasetMeta Write(string temp, ITextTokenizer tokenizer, DocumentFraming framing, IReadOnlyList<InputSlice> inputs, PrepareOptions options, PartMeta? part,
        IProgress<PrepareProgress>? progress, CancellationToken cancel)
    {
        int tokenBytes = DatasetLayout.TokenBytesFor(tokenizer.VocabSize);
        using var train = new SplitWriter(temp, "train", tokenBytes, options.ShardTokens, tokenizer.VocabSize);
        using var val = new SplitWriter(temp, "val", tokenBytes, options.ShardTokens, tokenizer.VocabSize);
        var reader = new DocumentReader(options.JsonlField, options.SplitBlankLines, options.AllowBinary);
        long first = part?.FirstDocument ?? 0, bytesRead = 0, bytesTotal = inputs.Sum(f => f.Bytes), index = first;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        using var batches = new BlockingCollection<List<string>>(boundedCapacity: 2);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var producer = Task.Run(() => ReadBatches(inputs, reader, batches, n => Interlocked.Add(ref bytesRead, n), stop.Token));
        // Where the consumer's time goes tells which stage limits throughput (logged at debug level).
        TimeSpan waiting = default, tokenizing = default, writing = default;
        try
        {
            long mark = System.Diagnostics.Stopwatch.GetTimestamp();
            foreach (var batch in batches.GetConsumingEnumerable(stop.Token))
            {
                waiting += System.Diagnostics.Stopwatch.GetElapsedTime(mark);
                mark = System.Diagnostics.Stopwatch.GetTimestamp();
                var (ids, sourceBytes) = Tokenize(tokenizer, batch, options.Threads, stop.Token);
                tokenizing += System.Diagnostics.Stopwatch.GetElapsedTime(mark);
                mark = System.Diagnostics.Stopwatch.GetTimestamp();
                for (int i = 0; i < batch.Count; i++)
                {
                    var split = IsVal((ulong)options.Seed, index++, options.ValFraction) ? val : train;
                    split.AppendDocument(ids[i], framing.EosId, sourceBytes[i], framing.BosId);
                }
                progress?.Report(new PrepareProgress(Interlocked.Read(ref bytesRead), bytesTotal, index - first,
                    train.Tokens + val.Tokens, clock.Elapsed));
                writing += System.Diagnostics.Stopwatch.GetElapsedTime(mark);
                mark = System.Diagnostics.Stopwatch.GetTimestamp();
            }
        }
        catch
        {
            stop.Cancel();
            try { producer.Wait(); } catch (AggregateException) { } // its failure is a consequence of ours
            throw;
        }
        producer.GetAwaiter().GetResult(); // rethrows a reader failure (malformed input) as it was thrown
        Log.Debug("prepare stages: waiting for input {Waiting:F2} s, tokenizing {Tokenizing:F2} s, writing {Writing:F2} s",
            waiting.TotalSeconds, tokenizing.TotalSeconds, writing.TotalSeconds);

        long documents = index - first;
        if (documents == 0)
            throw new UserErrorException($"the {inputs.Select(s => s.File).Distinct().Count()} input file(s){(part is null ? "" : $" of part {part.Index}/{part.Count}")} " +
                "hold no non-empty documents; nothing to prepare");
        if (train.Documents == 0)
            throw new UserErrorException($"all {documents} documents fell into val; lower --val-fraction ({options.ValFraction}) or add documents");
        progress?.Report(new PrepareProgress(bytesTotal, bytesTotal, documents, train.Tokens + val.Tokens, clock.Elapsed, Done: true));
        if (val.Documents == 0 && options.ValFraction > 0)
            Log.Warning("No document fell into val ({Documents} documents, --val-fraction {Fraction}); the val split is empty", documents, options.ValFraction);
        if (reader.NullsSkipped > 0)
            Log.Warning("Skipped {Count} null documents (a null text value; counted in meta.json)", reader.NullsSkipped);
        if (reader.InvalidUtf8Replaced > 0)
            Log.Warning("Replaced {Count} invalid UTF-8 sequences by U+FFFD in total", reader.InvalidUtf8Replaced);

        var splits = new Dictionary<string, SplitMeta> { ["train"] = train.Complete(), ["val"] = val.Complete() };
        CopyTokenizerFiles(tokenizer, temp);
        var meta = new DatasetMeta
        {
            FormatVersion = DatasetLayout.FormatVersion,
            Tokenizer = tokenizer.Id,
            VocabSize = tokenizer.VocabSize,
            EosId = framing.EosId,
            BosId = framing.BosId,
            TokenBytes = tokenBytes,
            Seed = options.Seed,
            ValFraction = options.ValFraction,
            Created = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            Fingerprint = DatasetMetaFile.Fingerprint(splits),
            InvalidUtf8Replaced = reader.InvalidUtf8Replaced,
            NullDocumentsSkipped = reader.NullsSkipped,
            Part = part is null ? null : part with { Documents = documents },
            Splits = splits,
        };
        DatasetMetaFile.Write(temp, meta); // last: its presence marks a complete dataset
        return meta;
    }

    static void ReadBatches(IReadOnlyList<InputSlice> inputs, DocumentReader reader, BlockingCollection<List<string>> batches,
        Action<int> onBytesRead, CancellationToken stop)
    {
        try
        {
            var batch = new List<string>();
            long chars = 0;
            foreach (var file in inputs)
            {
                foreach (string document in reader.Documents(file, onBytesRead))
                {
                    batch.Add(document);
                    chars += document.Length;
                    if (chars >= BatchChars || batch.Count >= BatchDocuments)
                    {
                        batches.Add(batch, stop);
                        (batch, chars) = ([], 0);
                    }
                }
            }
            if (batch.Count > 0)
                batches.Add(batch, stop);
        }
        finally
        {
            batches.CompleteAdding();
        }
    }

    static (int[][] Ids, long[] SourceBytes) Tokenize(ITextTokenizer tokenizer, List<string> batch, int threads, CancellationToken stop)
    {
        var ids = new int[batch.Count][];
        var bytes = new long[batch.Count];
        Parallel.For(0, batch.Count, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = stop }, i =>
        {
            ids[i] = tokenizer.Encode(batch[i]);
            bytes[i] = Encoding.UTF8.GetByteCount(batch[i]);
        });
        return (ids, bytes);
    }

    /// <summary>Val membership depends only on (seed, document index), so it is fixed however the work is scheduled.</summary>
    internal static bool IsVal(ulong seed, long index, double fraction) =>
        fraction > 0 && SplitMix64.UnitInterval(SplitMix64.Mix(seed ^ SplitMix64.Mix((ulong)index))) < fraction;

    static void CopyTokenizerFiles(ITextTokenizer tokenizer, string temp)
    {
        if (tokenizer.Files.Count == 0)
            return;
        string folder = Directory.CreateDirectory(Path.Combine(temp, DatasetLayout.TokenizerFolder)).FullName;
        foreach (string file in tokenizer.Files)
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
    }

    static void Publish(string temp, string output, PrepareOptions options)
    {
        // Checked again: something may have appeared at the output while preparing. The old dataset is moved aside
        // first, so that at every instant the output path holds a complete dataset or nothing.
        OutputDirectory.RequireWritable("--output", options.Output, OutputDirectory.Kind.Dataset, options.Force);
        AtomicDirectory.Publish(temp, output);
    }
}

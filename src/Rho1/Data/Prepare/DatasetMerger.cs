// `rho1 merge-datasets`: one dataset from the parts `prepare --part I/N` made. The parts must be of one input
// (same file names, sizes and slices), one tokenizer and one split seed, and fit end to end: slices and document
// numbers adjacent, none missing or overlapping. Their shards are verified against their checksums and then
// hard-linked under the merged names (copied across file systems), never rewritten, so the merged dataset holds the
// same tokens in the same order as one prepare over the whole input (its shard boundaries fall at part ends).
using Rho1.Data.Format;
using Rho1.Data.Reading;
using Rho1.IO;
using Serilog;

namespace Rho1.Data.Prepare;

public static class DatasetMerger
{
    /// <summary>Merges <paramref name="parts"/> (directories, any order) into <paramref name="output"/>; returns its metadata.</summary>
    public static DatasetMeta Run(IReadOnlyList<string> parts, string output, bool force = false)
    {
        if (parts.Count == 0)
            throw new UserErrorException("merge-datasets: name the part directories made by `prepare --part I/N`");
        OutputDirectory.RequireWritable("--output", output, OutputDirectory.Kind.Dataset, force);
        var opened = new List<TokenDataset>();
        try
        {
            foreach (string dir in parts)
                opened.Add(TokenDataset.Open(dir));
            var ordered = Check(opened);
            foreach (var part in ordered)
                part.Verify(); // every shard against its checksum, before any is linked
            string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(output));
            string temp = AtomicDirectory.TempFor(full);
            Directory.CreateDirectory(temp);
            try
            {
                var meta = Write(ordered, temp);
                OutputDirectory.RequireWritable("--output", output, OutputDirectory.Kind.Dataset, force);
                AtomicDirectory.Publish(temp, full);
                return meta;
            }
            catch
            {
                if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
                throw;
            }
        }
        finally
        {
            foreach (var d in opened) d.Dispose();
        }
    }

    /// <summary>The parts in order, after every check that they make one whole; each refusal names the parts at fault.</summary>
    static List<TokenDataset> Check(List<TokenDataset> parts)
    {
        foreach (var d in parts)
            if (d.Meta.Part is null)
                throw new UserErrorException($"{d.Directory} is not a part (no \"part\" in meta.json): merge-datasets takes datasets made by `prepare --part I/N`");
        var first = parts[0];
        foreach (var d in parts.Skip(1))
        {
            string? differs = d.Meta.Tokenizer != first.Meta.Tokenizer || d.Meta.VocabSize != first.Meta.VocabSize || d.Meta.EosId != first.Meta.EosId || d.Meta.BosId != first.Meta.BosId
                ? $"tokenizer {first.Meta.Tokenizer} (vocabulary {first.Meta.VocabSize}) against {d.Meta.Tokenizer} (vocabulary {d.Meta.VocabSize})"
                : d.Meta.Seed != first.Meta.Seed || d.Meta.ValFraction != first.Meta.ValFraction
                    ? $"split seed {first.Meta.Seed} / val fraction {first.Meta.ValFraction} against {d.Meta.Seed} / {d.Meta.ValFraction}"
                : d.Meta.Part!.Inputs != first.Meta.Part!.Inputs || d.Meta.Part.Count != first.Meta.Part.Count || d.Meta.Part.Slices != first.Meta.Part.Slices
                    ? $"parts of different inputs or partitions ({first.Meta.Part.Count} parts of {first.Meta.Part.Slices} slices against {d.Meta.Part.Count} of {d.Meta.Part.Slices})"
                : null;
            if (differs != null)
                throw new UserErrorException($"{first.Directory} and {d.Directory} cannot be merged: {differs}");
        }
        var ordered = parts.OrderBy(d => d.Meta.Part!.Index).ToList();
        int count = first.Meta.Part!.Count;
        for (int i = 1; i < ordered.Count; i++)
            if (ordered[i].Meta.Part!.Index == ordered[i - 1].Meta.Part!.Index)
                throw new UserErrorException($"{ordered[i - 1].Directory} and {ordered[i].Directory} are both part {ordered[i].Meta.Part!.Index}/{count}: overlapping parts");
        var missing = Enumerable.Range(1, count).Except(ordered.Select(d => d.Meta.Part!.Index)).ToList();
        if (missing.Count > 0)
            throw new UserErrorException($"parts {string.Join(", ", missing.Select(i => $"{i}/{count}"))} are missing: a merge needs all {count}");
        for (int i = 1; i < ordered.Count; i++)
        {
            PartMeta a = ordered[i - 1].Meta.Part!, b = ordered[i].Meta.Part!;
            if (a.EndSlice != b.FirstSlice || a.FirstDocument + a.Documents != b.FirstDocument)
                throw new UserErrorException($"{ordered[i - 1].Directory} (slices {a.FirstSlice}-{a.EndSlice - 1}, documents from {a.FirstDocument}) and " +
                    $"{ordered[i].Directory} (slices {b.FirstSlice}-{b.EndSlice - 1}, documents from {b.FirstDocument}) do not meet end to end: overlapping or missing slices");
        }
        return ordered;
    }

    static DatasetMeta Write(List<TokenDataset> parts, string temp)
    {
        var splits = new Dictionary<string, SplitMeta>();
        int linked = 0, copied = 0;
        foreach (string split in DatasetLayout.SplitNames)
        {
            var shards = new List<ShardMeta>();
            long tokens = 0, documents = 0, sourceBytes = 0;
            foreach (var part in parts)
            {
                if (!part.Meta.Splits.TryGetValue(split, out var meta)) continue;
                foreach (var shard in meta.Shards)
                {
                    string name = DatasetLayout.ShardFile(split, shards.Count);
                    if (HardLink.LinkOrCopy(Path.Combine(part.Directory, shard.File), Path.Combine(temp, name))) linked++; else copied++;
                    shards.Add(shard with { File = name });
                }
                (tokens, documents, sourceBytes) = (tokens + meta.Tokens, documents + meta.Documents, sourceBytes + meta.SourceBytes);
            }
            splits[split] = new SplitMeta(tokens, documents, sourceBytes, shards);
        }
        string tokenizerFiles = Path.Combine(parts[0].Directory, DatasetLayout.TokenizerFolder);
        if (Directory.Exists(tokenizerFiles))
        {
            string target = Directory.CreateDirectory(Path.Combine(temp, DatasetLayout.TokenizerFolder)).FullName;
            foreach (string file in Directory.GetFiles(tokenizerFiles))
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        var m = parts[0].Meta;
        var merged = m with
        {
            Created = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            Fingerprint = DatasetMetaFile.Fingerprint(splits),
            InvalidUtf8Replaced = parts.Sum(p => p.Meta.InvalidUtf8Replaced),
            NullDocumentsSkipped = parts.Sum(p => p.Meta.NullDocumentsSkipped),
            Part = null,
            MergedParts = parts.Count,
            Splits = splits,
        };
        DatasetMetaFile.Write(temp, merged); // last: its presence marks a complete dataset
        Log.Information("merged {Parts} parts: {Linked} shards hard-linked, {Copied} copied", parts.Count, linked, copied);
        return merged;
    }
}

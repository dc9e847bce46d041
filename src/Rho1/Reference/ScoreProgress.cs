// What of a score directory's windows is on disk, as batch-aligned ranges, and who scores what is left. Each rank of a
// launched `rho1 score` records the ranges it has written in its own progress-RANK.json (every file also holding the
// ranges done before the run started), so that a run killed at any world size resumes at any other: the union of all
// progress files is what is done. An older single-process progress.json (a prefix of windows) reads as one range.
using System.Text.Json.Nodes;
using Rho1.IO;

namespace Rho1.Reference;

public static class ScoreProgress
{
    /// <summary>Windows [Start, End).</summary>
    public readonly record struct Range(long Start, long End)
    {
        public long Length => End - Start;
    }

    /// <summary>The progress file of <paramref name="rank"/>.</summary>
    public static string FileOf(string partial, int rank) => Path.Combine(partial, $"progress-{rank}.json");

    /// <summary>Every progress file in <paramref name="partial"/> (this layout's and the older progress.json).</summary>
    public static IEnumerable<string> Files(string partial) =>
        Directory.Exists(partial) ? Directory.GetFiles(partial, "progress*.json").Order(StringComparer.Ordinal) : [];

    /// <summary>Sorted, disjoint, merged ranges covering what <paramref name="ranges"/> cover.</summary>
    public static List<Range> Union(IEnumerable<Range> ranges)
    {
        var merged = new List<Range>();
        foreach (var r in ranges.Where(r => r.Length > 0).OrderBy(r => r.Start))
        {
            if (merged.Count > 0 && r.Start <= merged[^1].End)
                merged[^1] = merged[^1] with { End = Math.Max(merged[^1].End, r.End) };
            else
                merged.Add(r);
        }
        return merged;
    }

    /// <summary>The windows of [0, <paramref name="windows"/>) not in <paramref name="done"/> (a union).</summary>
    public static List<Range> Remaining(IReadOnlyList<Range> done, long windows)
    {
        var left = new List<Range>();
        long at = 0;
        foreach (var r in done)
        {
            if (r.Start > at) left.Add(new Range(at, Math.Min(r.Start, windows)));
            at = Math.Max(at, r.End);
        }
        if (at < windows) left.Add(new Range(at, windows));
        return left.Where(r => r.Length > 0).ToList();
    }

    /// <summary>
    /// Rank <paramref name="rank"/>'s share of <paramref name="remaining"/>: the batches of <paramref name="batchSize"/> windows
    /// (counted from window 0, so that every batch is one a single process would run) split into <paramref name="size"/>
    /// contiguous runs of nearly equal count. Batch alignment is what makes the bytes those of one process.
    /// </summary>
    public static List<Range> Share(IReadOnlyList<Range> remaining, long windows, int batchSize, int rank, int size)
    {
        var batches = new List<long>(); // first window of every remaining batch
        foreach (var r in remaining)
            for (long b = r.Start / batchSize * batchSize; b < r.End; b += batchSize)
                if (batches.Count == 0 || batches[^1] != b) batches.Add(b);
        int first = (int)((long)batches.Count * rank / size), end = (int)((long)batches.Count * (rank + 1) / size);
        return Union(batches.Skip(first).Take(end - first).Select(b => new Range(b, Math.Min(b + batchSize, windows))));
    }

    /// <summary>The ranges recorded in <paramref name="partial"/>'s progress files made for <paramref name="identity"/>; none (and a warning) when one was made for another request.</summary>
    public static List<Range> Read(string partial, JsonObject identity, Action<string> warn)
    {
        var ranges = new List<Range>();
        foreach (string file in Files(partial))
        {
            try
            {
                var saved = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
                foreach (var (key, value) in identity)
                    if (saved[key]?.ToJsonString() != value?.ToJsonString())
                    {
                        warn($"{partial} was started with different {key}; starting over");
                        return [];
                    }
                if (saved["done"] is JsonArray done)
                    ranges.AddRange(done.Select(d => new Range(d![0]!.GetValue<long>(), d[1]!.GetValue<long>())));
                else
                    ranges.Add(new Range(0, saved["windows_done"]!.GetValue<long>()));
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException or IndexOutOfRangeException)
            {
                warn($"{file} is unreadable ({e.Message}); starting over");
                return [];
            }
        }
        return Union(ranges);
    }

    /// <summary>Writes <paramref name="done"/> as <paramref name="path"/> (atomically), beside the request's identity.</summary>
    public static void Save(string path, JsonObject identity, IEnumerable<Range> done)
    {
        var record = (JsonObject)identity.DeepClone();
        record["done"] = new JsonArray([.. Union(done).Select(r => (JsonNode)new JsonArray(r.Start, r.End))]);
        AtomicFile.WriteAllText(path, record.ToJsonString());
    }
}

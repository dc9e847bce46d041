// What "the same run" means for kill/resume tests: metrics.jsonl equal except timings, summary.json equal
// except timings and paths, and every weight and optimizer file of the surviving checkpoints byte-identical.
using System.Text.Json.Nodes;

namespace Rho1.Cli.Tests.Reliability;

public static class RunComparison
{
    static readonly string[] Timings = ["tokens_per_s", "mfu", "wall_seconds", "final_checkpoint"];

    public static void AssertSameRun(string expected, string actual)
    {
        Assert.Equal(Deterministic(File.ReadAllLines(Path.Combine(expected, "metrics.jsonl"))),
            Deterministic(File.ReadAllLines(Path.Combine(actual, "metrics.jsonl"))));
        Assert.Equal(Deterministic([File.ReadAllText(Path.Combine(expected, "summary.json")).ReplaceLineEndings("")]),
            Deterministic([File.ReadAllText(Path.Combine(actual, "summary.json")).ReplaceLineEndings("")]));
        Assert.Equal(File.ReadAllText(Path.Combine(expected, "config.json")), File.ReadAllText(Path.Combine(actual, "config.json")));
        Assert.Equal(Checkpoints(expected), Checkpoints(actual));
        foreach (string checkpoint in Checkpoints(expected))
            foreach (string file in new[] { "model.bin", "optimizer.bin" }.Concat(Parts(expected, checkpoint)))
                Assert.True(File.ReadAllBytes(Path.Combine(expected, checkpoint, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, checkpoint, file))),
                    $"{checkpoint}/{file} differs");
    }

    /// <summary>The optimizer parts of a sharded run's checkpoint (moments, and with train.zero=2 the fp32 masters), by file name.</summary>
    static IEnumerable<string> Parts(string run, string checkpoint) =>
        Directory.GetFiles(Path.Combine(run, checkpoint), "optimizer-rank-*.bin").Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    /// <summary>Checkpoint directories of a run, relative to it (final, checkpoints/step-N).</summary>
    public static List<string> Checkpoints(string run)
    {
        var list = new List<string>();
        if (Directory.Exists(Path.Combine(run, "final"))) list.Add("final");
        if (Directory.Exists(Path.Combine(run, "checkpoints")))
            list.AddRange(Directory.GetDirectories(Path.Combine(run, "checkpoints"), "step-*").Select(d => "checkpoints/" + Path.GetFileName(d)).Order(StringComparer.Ordinal));
        return list;
    }

    /// <summary>Hidden working directories (.tmp-, .old-, .del-) and temporary files of a run, which a finished run must not have left.</summary>
    public static List<string> Leftovers(string run) =>
        new[] { run, Path.Combine(run, "checkpoints") }.Where(Directory.Exists)
            .SelectMany(d => Directory.GetFileSystemEntries(d, ".*")).Select(d => Path.GetRelativePath(run, d)).ToList();

    static string Deterministic(IEnumerable<string> jsonObjects) => string.Join("\n", jsonObjects.Select(line =>
    {
        var o = JsonNode.Parse(line)!.AsObject();
        foreach (string key in Timings) o.Remove(key);
        return o.ToJsonString();
    }));
}

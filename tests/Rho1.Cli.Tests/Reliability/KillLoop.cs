// Drives one rho1 command to completion under repeated SIGKILLs: each attempt is killed at a seeded random
// moment, or, on targeted attempts, the instant a probe sees a write in progress (a checkpoint's temporary
// directory); the same command line is then started again, until an attempt exits by itself.
using System.Diagnostics;

namespace Rho1.Cli.Tests.Reliability;

public sealed class KillLoop(string[] args, int seed)
{
    /// <summary>Upper bound of a timed kill's delay; an uninterrupted run's wall time is a good value.</summary>
    public TimeSpan Typical { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Kills before the command is allowed to finish.</summary>
    public int Kills { get; init; } = 5;
    /// <summary>Keep killing past <see cref="Kills"/>, with targeted attempts only, until one kill lands mid-write (a slow machine can miss the first tries).</summary>
    public bool UntilMidWrite { get; init; }
    /// <summary>Kills at most, whatever <see cref="UntilMidWrite"/> asks.</summary>
    public int MaxKills { get; init; } = 10;
    /// <summary>Paths of unfinished writes on disk (temporary files or directories); targeted attempts (every third) wait for a new one.</summary>
    public Func<IEnumerable<string>>? PartialWrites { get; init; }
    /// <summary>Describes the output after a kill (e.g. the checkpoint directories), for the test log.</summary>
    public Func<string>? Describe { get; init; }
    /// <summary>
    /// Whether the output is complete; checked after each kill. A timed kill can land after the command's last
    /// write (during logging or native teardown): the work is then done and the loop ends, since rerunning a
    /// command whose output exists is refused by design.
    /// </summary>
    public Func<bool>? Finished { get; init; }

    public List<KillEvent> Events { get; } = [];

    /// <summary>Runs until an attempt exits by itself (or a kill finds the output finished); fails the test if that attempt's exit code is not 0.</summary>
    public void Run()
    {
        var rng = new Random(seed);
        for (int attempt = 1; ; attempt++)
        {
            // What an earlier kill left is not this attempt's write (the attempt deletes it on start).
            var stale = PartialWrites?.Invoke().ToHashSet() ?? [];
            bool Writing() => PartialWrites!().Any(path => !stale.Contains(path));
            using var p = Rho1Process.Start(args);
            var clock = Stopwatch.StartNew();
            bool exited;
            string trigger;
            bool midWriteSeen = !UntilMidWrite || Events.Any(e => e.MidWrite);
            if (Events.Count >= Kills && midWriteSeen || Events.Count >= MaxKills)
            {
                Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "the final attempt did not finish");
                exited = true;
                trigger = "none";
            }
            else if (PartialWrites != null && (attempt % 3 == 1 || UntilMidWrite && Events.Count >= Kills))
            {
                bool seen = WaitFor(p, Writing, Typical * 3);
                trigger = seen ? "mid-write" : "mid-write (not seen in time)";
                exited = !seen && p.WaitForExit(TimeSpan.Zero);
            }
            else
            {
                trigger = "timed";
                exited = p.WaitForExit(Typical * (0.05 + 0.65 * rng.NextDouble()));
            }
            if (exited)
            {
                Assert.True(p.ExitCode == 0, $"attempt {attempt} (after {Events.Count} kills) exited {p.ExitCode}:\n{p.Stderr}");
                return;
            }
            double seconds = clock.Elapsed.TotalSeconds;
            p.Kill();
            string left = Describe?.Invoke() ?? "";
            // Mid-write only if the interrupted write is still on disk: the kill beat the rename that completes it.
            Events.Add(new KillEvent(attempt, trigger, seconds, left, trigger == "mid-write" && Writing()));
            if (Finished?.Invoke() == true) return;
        }
    }

    /// <summary>Polls <paramref name="probe"/> until it holds (true) or the process ends or time runs out (false).</summary>
    static bool WaitFor(Rho1Process p, Func<bool> probe, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit && !p.HasExited)
        {
            if (probe()) return true;
            Thread.SpinWait(200);
        }
        return false;
    }

    public override string ToString() => string.Join("\n", Events.Select(e =>
        $"attempt {e.Attempt}: {e.Trigger} kill at {e.Seconds:F2}s{(e.MidWrite ? " (mid-write)" : "")}; left {e.LeftBehind}"));
}

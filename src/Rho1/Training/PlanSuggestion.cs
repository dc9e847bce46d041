// What `rho1 plan` proposes when a run does not fit: the smallest change that does. Every combination of ZeRO-1 (free),
// activation checkpointing (about a third more compute), shorter micro-batches at the same global batch (halved, with
// twice the accumulation steps) and more ranks is planned; the one chosen needs the fewest ranks, then the fewest
// changes that cost speed, then no ZeRO-1 if it is not needed. Pure arithmetic over MemoryPlan; nothing here runs a model.
using System.Globalization;
using Rho1.Training.Configuration;

namespace Rho1.Training;

/// <param name="Change">The flags to add, e.g. "--zero 1 --activation-checkpointing".</param>
/// <param name="World">Ranks of the changed run.</param>
public sealed record PlanSuggestion(string Change, int World, MemoryPlanResult Plan);

public static class PlanSuggestions
{
    /// <summary>Ranks at most that a suggestion may ask for.</summary>
    const int MaxWorld = 1024;

    /// <summary>The cheapest change under which the run fits <paramref name="usableBytes"/> per rank; null when none does.</summary>
    public static PlanSuggestion? Smallest(RunConfig config, int world, string device, double usableBytes)
    {
        var t = config.Train;
        (int Ranks, int Costly, int Zero, PlanSuggestion Suggestion)? best = null;
        for (int ranks = world; ranks <= MaxWorld && t.BatchSize % ranks == 0; ranks *= 2)
            foreach (bool checkpointing in t.ActivationCheckpointing ? [true] : new[] { false, true })
                for (int halvings = 0; (t.BatchSize >> halvings) % ranks == 0 && t.BatchSize % (1 << halvings) == 0; halvings++)
                    foreach (int zero in Enumerable.Range(t.Zero, 3 - t.Zero)) // a higher stage costs communication: the last resort
                    {
                        var c = config with { Train = t with { Zero = zero, ActivationCheckpointing = checkpointing, BatchSize = t.BatchSize >> halvings, GradAccum = t.GradAccum << halvings } };
                        var plan = MemoryPlan.Compute(c, ranks, device);
                        var cost = (ranks, (checkpointing != t.ActivationCheckpointing ? 1 : 0) + halvings, zero - t.Zero);
                        if (plan.Total > usableBytes || best is { } b && (b.Ranks, b.Costly, b.Zero).CompareTo(cost) <= 0) continue;
                        best = (cost.ranks, cost.Item2, cost.Item3, new PlanSuggestion(Describe(config, c, world, ranks), ranks, plan));
                    }
        return best?.Suggestion;
    }

    /// <summary>The flags that turn <paramref name="from"/> on <paramref name="world"/> ranks into <paramref name="to"/> on <paramref name="ranks"/>.</summary>
    static string Describe(RunConfig from, RunConfig to, int world, int ranks)
    {
        var (a, b) = (from.Train, to.Train);
        var flags = new List<string>();
        if (ranks != world) flags.Add(Invariant($"--world {ranks}"));
        if (b.Zero != a.Zero) flags.Add(Invariant($"--zero {b.Zero}"));
        if (b.ActivationCheckpointing != a.ActivationCheckpointing) flags.Add("--activation-checkpointing");
        if (b.BatchSize != a.BatchSize) flags.Add(Invariant($"--set train.batch_size={b.BatchSize} --set train.grad_accum={b.GradAccum}"));
        return string.Join(" ", flags);
    }

    static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

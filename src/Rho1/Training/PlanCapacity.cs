// What `rho1 plan --gpu-memory` answers beside "does it fit": the largest micro-batch per rank that fits the memory, at
// the run's sequence length, and the longest sequence (up to the model's context) at one row per rank, each without and
// with activation checkpointing, under the run's ZeRO setting and world size. Pure arithmetic over MemoryPlan (monotone
// in rows and in length), found by doubling then bisection.
using Rho1.Training.Configuration;

namespace Rho1.Training;

/// <param name="Rows">Rows per rank of train.seq_len tokens that fit (0: not even one).</param>
/// <param name="RowsCheckpointed">The same with activation checkpointing.</param>
/// <param name="SeqLen">Tokens of one row per rank that fit, at most model.context_length (0: none).</param>
/// <param name="SeqLenCheckpointed">The same with activation checkpointing.</param>
public sealed record PlanCapacity(int Rows, int RowsCheckpointed, int SeqLen, int SeqLenCheckpointed);

public static class PlanCapacities
{
    /// <summary>Rows per rank tried at most.</summary>
    const int MaxRows = 1 << 16;

    public static PlanCapacity Largest(RunConfig config, int world, string device, double usableBytes)
    {
        var t = config.Train;
        bool Fits(int rows, int seqLen, bool checkpointing) =>
            MemoryPlan.Compute(config with { Train = t with { BatchSize = rows * world, SeqLen = seqLen, ActivationCheckpointing = checkpointing } }, world, device).Total <= usableBytes;
        int Rows(bool checkpointing) => Largest(MaxRows, rows => Fits(rows, t.SeqLen, checkpointing));
        int Length(bool checkpointing) => Largest(config.Model.ContextLength, length => Fits(1, length, checkpointing));
        return new PlanCapacity(Rows(false), Rows(true), Length(false), Length(true));
    }

    /// <summary>The largest n in [1, max] with fits(n), for fits true up to some n and false after; 0 when fits(1) is false.</summary>
    public static int Largest(int max, Func<int, bool> fits)
    {
        if (max < 1 || !fits(1)) return 0;
        int good = 1;
        while (good < max && fits(Math.Min(max, good * 2))) good = Math.Min(max, good * 2);
        int bad = Math.Min(max, good * 2) == good ? good + 1 : Math.Min(max, good * 2); // good == max: nothing above to try
        while (bad - good > 1)
        {
            int mid = good + (bad - good) / 2;
            if (fits(mid)) good = mid; else bad = mid;
        }
        return good;
    }
}

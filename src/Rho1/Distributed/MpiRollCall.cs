// Which ranks are missing when a collective times out: every rank that times out sends its rank to every other
// and listens for theirs (point-to-point, on a tag of its own) for a grace period. Live ranks time out too, so they
// answer; a stopped, hung or dead rank does not, and is named in the line that ends the job.
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Rho1.Distributed;

public static unsafe class MpiRollCall
{
    const int Tag = 7919;

    /// <summary>"rank(s) 1, 2 did not answer a roll call within 5 s (stopped, hung or dead)", or what was seen when all answered.</summary>
    public static string Missing(MpiLibrary mpi, int rank, int size, TimeSpan grace)
    {
        if (size < 2) return "no other rank";
        var requests = (nint*)NativeMemory.AllocZeroed((nuint)(2 * size * sizeof(nint)));
        var values = (long*)NativeMemory.AllocZeroed((nuint)(2 * size * sizeof(long)));
        var status = (byte*)NativeMemory.AllocZeroed(64);
        // Left allocated (and the sends and receives pending): the job ends right after this, and MPI may still touch them.
        var answered = new bool[size];
        answered[rank] = true;
        var h = mpi.Constants;
        for (int q = 0; q < size; q++)
        {
            if (q == rank) continue;
            values[q] = rank;
            if (mpi.Isend(&values[q], 1, h.Int64, q, Tag, h.CommWorld, &requests[q]) != 0
                || mpi.Irecv(&values[size + q], 1, h.Int64, q, Tag, h.CommWorld, &requests[size + q]) != 0)
                return "the roll call could not be held";
        }
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < grace && answered.Any(a => !a))
        {
            for (int q = 0; q < size; q++)
            {
                if (answered[q]) continue;
                int flag = 0;
                if (mpi.Test(&requests[size + q], &flag, status) == 0 && flag != 0) answered[q] = true;
            }
            Thread.Sleep(10);
        }
        var missing = Enumerable.Range(0, size).Where(q => !answered[q]).ToList();
        return missing.Count == 0
            ? "every rank answered a roll call, so the ranks wait in different collectives"
            : $"rank{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} did not answer a roll call within {grace.TotalSeconds:0} s (stopped, hung or dead)";
    }
}

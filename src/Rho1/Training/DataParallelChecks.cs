// The checks a data-parallel run makes before it starts: the global batch splits evenly over the ranks, and
// every rank was given the same run (config, data, objective, starting point). A mismatch would otherwise
// train silently wrong gradients or hang in a collective.
using System.Security.Cryptography;
using System.Text;
using Rho1.Distributed;
using Rho1.Training.Configuration;
using static TorchSharp.torch;

namespace Rho1.Training;

public static class DataParallelChecks
{
    public static void RequireDivisible(TrainConfig t, int worldSize)
    {
        if (worldSize > 1 && t.BatchSize % worldSize != 0)
            throw new UserErrorException($"train.batch_size={t.BatchSize} (the global batch) does not split evenly over {worldSize} processes; " +
                $"use a multiple of {worldSize}, e.g. --set train.batch_size={(t.BatchSize / worldSize + 1) * worldSize}");
    }

    /// <summary>Refuses the run on every rank when any rank's config, data, objective or resume point differs from rank 0's.</summary>
    public static void RequireSameRun(ICollectives world, TrainingRun run)
    {
        long mine = Fingerprint(run);
        using var all = world.AllGather(tensor(new[] { mine }));
        long[] fingerprints = all.data<long>().ToArray();
        var differing = Enumerable.Range(0, fingerprints.Length).Where(r => fingerprints[r] != fingerprints[0]).ToList();
        if (differing.Count > 0)
            throw new UserErrorException($"rank(s) {string.Join(", ", differing)} were given another run than rank 0 (config, data, objective, --init or " +
                "resume checkpoint differ): every process of the job must run the same command on the same files");
    }

    /// <summary>64 bits of a hash over what must agree across ranks.</summary>
    public static long Fingerprint(TrainingRun run)
    {
        string text = string.Join("\n", ConfigLoader.ToJson(run.Config, run.ConfigHistory), run.Dataset.Fingerprint,
            run.Objective.Describe().ToJsonString(), run.InitFrom ?? "", run.ResumedFrom ?? "", run.Progress.Step.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0);
    }
}

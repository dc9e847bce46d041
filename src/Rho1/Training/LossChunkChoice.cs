// train.loss_chunk_tokens=-1 (auto) on CUDA (issue 35). Chunks are a memory switch there, not a speed one: on an H200,
// gpt2-124m at 16 × 1024 with GPT-2's vocabulary ran 21% slower in chunks of 512 positions than with whole logits
// (docs/performance.md, "Chunked token losses on CUDA"). So auto takes whole logits when `rho1 plan` says the run fits
// the device with them (10% kept free, as `plan --gpu-memory` counts), else the largest power-of-two chunk that fits,
// and never less than ChunkedTokenLoss.DefaultChunk. On a CPU auto stays ChunkedTokenLoss.Resolve's: chunks are the
// fast path there. The choice follows the device's memory, so a run resumed on a device of another size may choose
// otherwise (losses then agree within 1e-6, not to the bit): a configured train.loss_chunk_tokens pins it.
using Rho1.Distributed;
using Rho1.Model;
using Rho1.Training.Configuration;

namespace Rho1.Training;

public static class LossChunkChoice
{
    /// <summary>Share of the device's memory the plan may not use (as `rho1 plan --gpu-memory`).</summary>
    public const double KeptFree = 0.1;

    /// <summary>ForCuda with the memory of CUDA device <paramref name="index"/>, asked of the CUDA runtime; without one to ask
    /// (a libtorch that links it statically), auto as on a CPU.</summary>
    public static long ForDevice(RunConfig config, int world, int index)
    {
        if (Settled(config) is { } settled) return settled; // the runtime is not even loaded
        var cuda = CudaRuntime.TryLoad(Environment.GetEnvironmentVariable("RHO1_LIBCUDART"));
        if (cuda is null) return ChunkedTokenLoss.Resolve(config.Train.LossChunkTokens, config.Model.VocabSize);
        cuda.SetDevice(index);
        return ForCuda(config, world, cuda.MemoryInfo().Total);
    }

    /// <summary>The chunk where the device does not matter: a configured value, or whole logits for a vocabulary small enough
    /// to be computed whole anyway; null where auto depends on the device's memory.</summary>
    static long? Settled(RunConfig config)
    {
        long resolved = ChunkedTokenLoss.Resolve(config.Train.LossChunkTokens, config.Model.VocabSize);
        return config.Train.LossChunkTokens != -1 || resolved == 0 ? resolved : null;
    }

    /// <summary>Positions of the output layer computed at a time for <paramref name="config"/> on <paramref name="world"/> CUDA
    /// ranks of <paramref name="deviceBytes"/> each: the configured value when it is not -1, else as the file header says.</summary>
    public static long ForCuda(RunConfig config, int world, double deviceBytes)
    {
        if (Settled(config) is { } settled) return settled;
        var t = config.Train;
        long auto = ChunkedTokenLoss.DefaultChunk; // what auto takes on a CPU, and the least it takes here
        double usable = (1 - KeptFree) * deviceBytes;
        bool Fits(long chunk) =>
            MemoryPlan.Compute(config with { Train = t with { LossChunkTokens = (int)chunk } }, world, "cuda").Total <= usable;
        if (Fits(0)) return 0;
        long positions = (long)(t.BatchSize / world) * t.SeqLen; // one micro-batch on one rank
        long chunk = 1;
        while (chunk * 2 < positions) chunk *= 2; // the largest power of two below the positions (all of them: whole logits)
        for (; chunk > auto; chunk /= 2)
            if (Fits(chunk)) return chunk;
        return auto;
    }
}

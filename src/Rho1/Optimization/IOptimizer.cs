// What the trainer asks of its optimizer each step: average the gradients over the job's ranks, clip them, update, and
// hand its state to a checkpoint (whole, or one part per rank when sharded) that any world size resumes, sharded or not.
// AdamW keeps every moment on every rank, or with train.zero=1 each rank's 1/N, or with train.zero=2 also 1/N of fp32 master weights.
using Rho1.Distributed;
using static TorchSharp.torch;

namespace Rho1.Optimization;

public interface IOptimizer : IDisposable
{
    /// <summary>Completed update count.</summary>
    long Step { get; }

    /// <summary>Whether State() is a collective (every rank must call it, in step).</summary>
    bool Sharded { get; }

    /// <summary>Called after each micro-batch's backward; returns the seconds spent (train.zero=2 reduces each micro-batch into its fp32 sum).</summary>
    double AccumulateMicroBatch();

    /// <summary>Averages the gradients over <paramref name="world"/>'s ranks, as this optimizer needs them; returns the seconds spent.</summary>
    double ReduceGradients(ICollectives world);

    /// <summary>Scales the gradients so their global L2 norm is at most <paramref name="maxNorm"/> (0: no clipping); returns the norm before, on the device.</summary>
    Tensor ClipGradients(double maxNorm);

    /// <summary>One update with learning rate <paramref name="lr"/>.</summary>
    void Update(double lr);

    /// <summary>One update applied only where the 0-dim bool tensor <paramref name="apply"/> is true, decided on the device.</summary>
    void Update(double lr, Tensor apply);

    void ZeroGrad();

    /// <summary>Named state tensors ("m.NAME", "v.NAME"), whole, for a checkpoint.</summary>
    IEnumerable<(string Name, Tensor Tensor)> State();

    /// <summary>Restores whole state tensors as State() names them, after <paramref name="step"/> updates.</summary>
    void LoadState(IReadOnlyDictionary<string, Tensor> state, long step);

    /// <summary>This rank's own part of sharded state, which a checkpoint writes one file per rank of (Sharded only).</summary>
    IEnumerable<(string Name, Tensor Tensor)> PartState();

    /// <summary>Restores state from the parts (each rank's PartState) of a checkpoint written at any number of ranks, read one at a time as enumerated.</summary>
    void LoadParts(IEnumerable<IReadOnlyDictionary<string, Tensor>> parts, long step);
}

// The few collectives data parallelism needs, on tensors, whatever engine carries them (MPI, NCCL, or none
// for one process). Every rank must call each collective in the same order with tensors of the same shape.
using static TorchSharp.torch;

namespace Rho1.Distributed;

public interface ICollectives : IDisposable
{
    int Rank { get; }
    int Size { get; }

    /// <summary>Engine name for logs: "single", "mpi (Open MPI 4.1.4)", "nccl 2.21.5".</summary>
    string Backend { get; }

    /// <summary>Replaces <paramref name="tensor"/> (contiguous) with the element-wise sum over ranks.</summary>
    void AllReduceSum(Tensor tensor);

    /// <summary>
    /// Sums <paramref name="input"/> (contiguous, Size × n values) over ranks and leaves block Rank of the sum, n values, in
    /// <paramref name="output"/>: the reduce-scatter of sharded optimizer state (train.zero=1).
    /// </summary>
    void ReduceScatterSum(Tensor input, Tensor output);

    /// <summary>Every rank's <paramref name="tensor"/>, in rank order, concatenated along dimension 0.</summary>
    Tensor AllGather(Tensor tensor);

    /// <summary>Overwrites <paramref name="tensor"/> (contiguous) on every rank with rank <paramref name="root"/>'s.</summary>
    void Broadcast(Tensor tensor, int root);

    void Barrier();

    /// <summary>Whether AllReduceSum takes bfloat16 tensors (NCCL); MPI has no bfloat16 type.</summary>
    bool SumsBFloat16 => false;

    /// <summary>Ends the whole job after an error on this rank, so that the others do not wait for it forever.</summary>
    void Abort(int exitCode);

    /// <summary>
    /// How long a collective may wait for the other ranks before this rank reports it (naming <paramref name="where"/>'s
    /// answer, e.g. "step 12") and fails; zero: for ever. Engines whose calls cannot be watched ignore it.
    /// </summary>
    void Watch(TimeSpan timeout, Func<string> where) { }

    /// <summary>Whether Watch's timeout is honoured (NCCL's polled calls); MPI's calls block inside the library.</summary>
    bool Watched => false;
}

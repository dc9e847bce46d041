// A job whose collectives say they sum bfloat16 (as NCCL does), over another job's ranks, recording the dtypes its
// reduce-scatters were given: for the code paths that send bf16 only to such collectives, tested without a GPU.
using Rho1.Distributed;
using static TorchSharp.torch;

namespace Rho1.Tests.Distributed;

public sealed class Bf16SummingWorld(ICollectives inner) : ICollectives
{
    /// <summary>The dtype of every reduce-scatter's input, in call order.</summary>
    public List<ScalarType> ReduceScattered { get; } = [];

    public int Rank => inner.Rank;
    public int Size => inner.Size;
    public string Backend => inner.Backend;
    public bool SumsBFloat16 => true;
    public void AllReduceSum(Tensor tensor) => inner.AllReduceSum(tensor);

    public void ReduceScatterSum(Tensor input, Tensor output)
    {
        ReduceScattered.Add(input.dtype);
        inner.ReduceScatterSum(input, output);
    }

    public Tensor AllGather(Tensor tensor) => inner.AllGather(tensor);
    public void Broadcast(Tensor tensor, int root) => inner.Broadcast(tensor, root);
    public void Barrier() => inner.Barrier();
    public void Abort(int exitCode) => inner.Abort(exitCode);
    public void Dispose() => inner.Dispose();
}

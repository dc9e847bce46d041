// One rank of a simulated job, for tests without MPI: the other ranks' tensors are known in advance, so
// AllGather and AllReduceSum return what the real collectives would.
using Rho1.Distributed;
using static TorchSharp.torch;

namespace Rho1.Tests.Distributed;

/// <param name="gather">Given this rank's tensor, the gathered global tensor (every rank's, in rank order).</param>
/// <param name="others">Given this rank's tensor, the sum of the other ranks' tensors of the same shape.</param>
public sealed class SimulatedRank(int rank, int size, Func<Tensor, Tensor> gather, Func<Tensor, Tensor>? others = null) : ICollectives
{
    public int Rank => rank;
    public int Size => size;
    public string Backend => "simulated";
    public int Calls { get; private set; }

    public void AllReduceSum(Tensor tensor)
    {
        Calls++;
        tensor.add_(others?.Invoke(tensor) ?? throw new InvalidOperationException("no all-reduce expected"));
    }

    public Tensor AllGather(Tensor tensor)
    {
        Calls++;
        return gather(tensor);
    }

    public void ReduceScatterSum(Tensor input, Tensor output)
    {
        var sum = input.clone();
        AllReduceSum(sum);
        output.copy_(sum.view(size, -1)[rank].view(output.shape));
    }

    public void Broadcast(Tensor tensor, int root) => throw new NotSupportedException();
    public void Barrier() { }
    public void Abort(int exitCode) { }
    public void Dispose() { }
}

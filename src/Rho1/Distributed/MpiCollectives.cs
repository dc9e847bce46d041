// Collectives over MPI_COMM_WORLD. Buffers are host memory: a CUDA tensor is staged through the host (a
// CUDA-aware MPI could take device pointers, but which builds are CUDA-aware cannot be checked portably;
// NCCL is the engine for GPUs). MPI is initialised once per process and finalised when this is disposed.
// Every collective is MPI-3's non-blocking form, completed by polling MPI_Test under the collective watch: a rank
// that waits longer than train.collective_timeout_s holds a roll call (MpiRollCall) to name the ranks that do not
// answer, then the job is ended. Barriers wait without a deadline (one rank may be working alone).
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Distributed;

public sealed unsafe class MpiCollectives : ICollectives
{
    const int ThreadSerialized = 2; // MPI_THREAD_SERIALIZED: one thread at a time, not always the one that initialised
    const int MaxCount = int.MaxValue / 8; // MPI counts are int: larger tensors go in chunks
    readonly MpiLibrary _mpi;
    readonly CollectiveWatch _watch = new() { SpinFor = TimeSpan.FromSeconds(1) };
    readonly nint* _request = (nint*)NativeMemory.AllocZeroed((nuint)sizeof(nint));
    readonly byte* _status = (byte*)NativeMemory.AllocZeroed(64); // MPI_Status: 24 bytes in Open MPI, 20 in MPICH
    bool _disposed;

    public int Rank { get; }
    public int Size { get; }
    public string Backend { get; }

    public MpiCollectives(MpiLibrary mpi, LaunchEnvironment launch)
    {
        _mpi = mpi;
        int initialized = 0, provided = 0;
        mpi.Check(mpi.Initialized(&initialized), "MPI_Initialized");
        if (initialized == 0)
            mpi.Check(mpi.InitThread(null, null, ThreadSerialized, &provided), "MPI_Init_thread");
        int rank = 0, size = 0;
        mpi.Check(mpi.CommRank(mpi.Constants.CommWorld, &rank), "MPI_Comm_rank");
        mpi.Check(mpi.CommSize(mpi.Constants.CommWorld, &size), "MPI_Comm_size");
        (Rank, Size) = (rank, size);
        Backend = $"mpi ({mpi.Version()}, {mpi.Path})";
        if (size != launch.Size || rank != launch.Rank)
            throw new UserErrorException($"{mpi.Path} sees rank {rank} of {size}, but the launcher ({launch.Launcher}) says rank {launch.Rank} of {launch.Size}: " +
                "the job was started by another MPI's launcher than this library's; set RHO1_LIBMPI to the libmpi.so that matches your mpirun");
    }

    public void AllReduceSum(Tensor tensor)
    {
        // In place (MPI_IN_PLACE): no second buffer of the tensor's size, which for a (V, C) gradient would be a large
        // block allocated and freed every step.
        var (host, datatype, elementSize) = Host(tensor, "all-reduce");
        long count = host.numel();
        fixed (byte* p = host.bytes)
            for (long offset = 0; offset < count; offset += MaxCount)
            {
                int n = (int)Math.Min(MaxCount, count - offset);
                Await(_mpi.Iallreduce((void*)_mpi.Constants.InPlace, p + offset * elementSize, n, datatype, _mpi.Constants.Sum, _mpi.Constants.CommWorld, _request), "MPI_Iallreduce");
            }
        if (!ReferenceEquals(host, tensor)) tensor.copy_(host);
    }

    public void ReduceScatterSum(Tensor input, Tensor output)
    {
        var (host, datatype, _) = Host(input, "all-reduce");
        long block = output.numel();
        if (host.numel() != block * Size) throw new ArgumentException($"reduce-scatter of {host.numel()} values into blocks of {block} on {Size} ranks");
        if (block > int.MaxValue) throw new InvalidOperationException($"reduce-scatter blocks of {block} values: more than one MPI call can carry");
        // Straight into the output when MPI can write it; else through a host buffer.
        using var staging = output.device_type == DeviceType.CPU && output.is_contiguous() && output.dtype == host.dtype ? null : empty(block, host.dtype);
        var result = staging ?? output;
        fixed (byte* s = host.bytes, t = result.bytes)
            Await(_mpi.IreduceScatterBlock(s, t, (int)block, datatype, _mpi.Constants.Sum, _mpi.Constants.CommWorld, _request), "MPI_Ireduce_scatter_block");
        if (staging is not null) output.copy_(staging.view(output.shape));
    }

    public Tensor AllGather(Tensor tensor)
    {
        var (host, _, _) = Host(tensor, "all-gather");
        var shape = tensor.shape.ToArray();
        shape[0] *= Size;
        using var gathered = empty(shape, host.dtype);
        long bytes = host.numel() * host.element_size();
        if (bytes > int.MaxValue) throw new InvalidOperationException($"all-gather of {bytes} bytes per rank: more than one MPI call can carry");
        fixed (byte* s = host.bytes, t = gathered.bytes)
            Await(_mpi.Iallgather(s, (int)bytes, _mpi.Constants.Byte, t, (int)bytes, _mpi.Constants.Byte, _mpi.Constants.CommWorld, _request), "MPI_Iallgather");
        return gathered.to(tensor.device);
    }

    public void Broadcast(Tensor tensor, int root)
    {
        var (host, _, _) = Host(tensor, "broadcast");
        long bytes = host.numel() * host.element_size();
        fixed (byte* p = host.bytes)
            for (long offset = 0; offset < bytes; offset += MaxCount)
                Await(_mpi.Ibcast(p + offset, (int)Math.Min(MaxCount, bytes - offset), _mpi.Constants.Byte, root, _mpi.Constants.CommWorld, _request), "MPI_Ibcast");
        if (!ReferenceEquals(host, tensor)) tensor.copy_(host);
    }

    public void Barrier()
    {
        using var unbounded = _watch.Unbounded();
        Await(_mpi.Ibarrier(_mpi.Constants.CommWorld, _request), "MPI_Ibarrier");
    }

    public void Watch(TimeSpan timeout, Func<string> where) => (_watch.Timeout, _watch.Where) = (timeout, where);

    public bool Watched => true;

    /// <summary>Checks a non-blocking call's start, then polls it to completion under the watch.</summary>
    void Await(int started, string call)
    {
        _mpi.Check(started, call);
        if (call == "MPI_Iallreduce") Platform.FaultInjection.At("allreduce"); // the fault matrix's "mid-all-reduce": started, not finished
        _watch.Wait($"rank {Rank}: {call}", Done, () => null, () => MpiRollCall.Missing(_mpi, Rank, Size, RollCallGrace));
    }

    bool Done()
    {
        int flag = 0;
        _mpi.Check(_mpi.Test(_request, &flag, _status), "MPI_Test");
        return flag != 0;
    }

    /// <summary>How long a roll call waits for the other ranks to answer: they time out too, a little later or earlier.</summary>
    TimeSpan RollCallGrace => TimeSpan.FromSeconds(Math.Clamp(_watch.Timeout.TotalSeconds, 1, 20));

    public void Abort(int exitCode) => _mpi.AbortFn(_mpi.Constants.CommWorld, exitCode);

    /// <summary>A contiguous host tensor holding <paramref name="tensor"/>'s values (itself when it already is one), and its MPI type.</summary>
    (Tensor Host, nint Datatype, int ElementSize) Host(Tensor tensor, string what)
    {
        var host = tensor.device_type == DeviceType.CPU && tensor.is_contiguous() ? tensor : tensor.contiguous().cpu();
        nint datatype = tensor.dtype switch
        {
            ScalarType.Float32 => _mpi.Constants.Float,
            ScalarType.Float64 => _mpi.Constants.Double,
            ScalarType.Int64 => _mpi.Constants.Int64,
            _ => what == "all-reduce" ? throw new ArgumentException($"MPI {what} of {tensor.dtype}: only float32, float64 and int64 are summed") : _mpi.Constants.Byte,
        };
        return (host, datatype, (int)tensor.element_size());
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        NativeMemory.Free(_request);
        NativeMemory.Free(_status);
        int finalized = 0;
        _mpi.Finalized(&finalized);
        if (finalized == 0) _mpi.Finalize();
    }
}

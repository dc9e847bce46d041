// Collectives on CUDA tensors through NCCL. The communicator's unique id comes from rank 0, over MPI when MPI
// launched the job, else through the TCP rendezvous at MASTER_ADDR:MASTER_PORT (torchrun). Operations are
// queued on the default CUDA stream, the one libtorch computes on in TorchSharp (which exposes no other), so
// they are ordered with the kernels around them. Where the CUDA runtime is found, each collective is then
// waited for by polling the stream and NCCL's asynchronous error (CollectiveWatch), so that a dead peer ends the
// job within train.collective_timeout_s instead of leaving this rank in an NCCL kernel for ever; an error on
// any rank aborts the communicator and, under an MPI launcher, the whole job (MPI_Abort).
using Rho1.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Distributed;

public sealed unsafe class NcclCollectives : ICollectives
{
    readonly NcclLibrary _nccl;
    readonly Device _device;
    readonly CudaRuntime? _cuda;
    readonly CollectiveWatch _watch = new();
    nint _comm;

    public int Rank { get; }
    public int Size { get; }
    public string Backend { get; }

    /// <summary>What carried the unique id when it must outlive the communicator (MPI, finalised after NCCL); disposed last.
    /// When it is a job's collectives (MPI), Abort ends the job through it.</summary>
    public IDisposable? Bootstrap { get; init; }

    /// <summary>How the device was selected and whether collectives are watched, for the start log.</summary>
    public string Binding { get; }

    /// <param name="exchangeId">Given rank 0's id bytes on rank 0 (any bytes elsewhere), returns rank 0's on every rank.</param>
    /// <param name="cuda">The CUDA runtime, to select the device and watch collectives; null: neither (said in Binding).</param>
    public NcclCollectives(NcclLibrary nccl, int rank, int size, Device device, Func<byte[], byte[]> exchangeId, CudaRuntime? cuda = null)
    {
        if (device.type != DeviceType.CUDA) throw new ArgumentException("NCCL collectives need a CUDA device", nameof(device));
        (_nccl, _device, _cuda, Rank, Size) = (nccl, device, cuda, rank, size);
        NcclLibrary.UniqueId id = default;
        var bytes = new byte[NcclLibrary.UniqueIdBytes];
        if (rank == 0)
        {
            nccl.Check(nccl.GetUniqueId(&id), "ncclGetUniqueId");
            new ReadOnlySpan<byte>(id.Internal, NcclLibrary.UniqueIdBytes).CopyTo(bytes);
        }
        bytes = exchangeId(bytes);
        if (bytes.Length != NcclLibrary.UniqueIdBytes) throw new InvalidOperationException($"NCCL id of {bytes.Length} bytes received, expected {NcclLibrary.UniqueIdBytes}");
        bytes.CopyTo(new Span<byte>(id.Internal, NcclLibrary.UniqueIdBytes));
        int index = Math.Max(0, device.index);
        if (cuda != null)
        {
            cuda.SetDevice(index); // NCCL's own CUDA calls (communicator set-up, kernels) run on the current device
            Binding = $"cuda:{index} set through {cuda.Path}; collectives watched";
        }
        else
        {
            using (var select = torch.zeros(1, device: device)) { } // libtorch's device guard leaves the device current
            Binding = $"cuda:{index} made current by libtorch (no CUDA runtime library found: set RHO1_LIBCUDART); collectives not watched";
        }
        nint comm = 0;
        nccl.Check(nccl.CommInitRank(&comm, size, id, rank), "ncclCommInitRank");
        _comm = comm;
        Backend = $"nccl {nccl.Version()} ({nccl.Path})";
    }

    public void Watch(TimeSpan timeout, Func<string> where) => (_watch.Timeout, _watch.Where) = (timeout, where);

    public bool Watched => true;

    /// <summary>Checks an NCCL call's result, then waits for the collective it queued (when the CUDA runtime is at hand).</summary>
    void Completed(int code, string call)
    {
        _nccl.Check(code, call);
        if (_cuda is null) return;
        _watch.Wait(call, _cuda.DefaultStreamIdle, AsyncError);
    }

    /// <summary>NCCL's asynchronous error of the communicator (a peer lost, a network failure), in words; null: none.</summary>
    string? AsyncError()
    {
        int result = 0;
        int code = _nccl.CommGetAsyncError(_comm, &result);
        const int inProgress = 7; // ncclInProgress: not an error
        return _nccl.Describe(code) ?? (result == inProgress ? null : _nccl.Describe(result));
    }

    public bool SumsBFloat16 => true;

    public void AllReduceSum(Tensor tensor)
    {
        var t = OnDevice(tensor);
        Completed(_nccl.AllReduce(Pointer(t), Pointer(t), (nuint)t.numel(), DataType(t, sum: true), NcclLibrary.Sum, _comm, 0), "ncclAllReduce");
        if (!ReferenceEquals(t, tensor)) tensor.copy_(t);
    }

    public void ReduceScatterSum(Tensor input, Tensor output)
    {
        var t = OnDevice(input);
        var result = torch.empty(output.numel(), t.dtype, _device);
        Completed(_nccl.ReduceScatter(Pointer(t), Pointer(result), (nuint)output.numel(), DataType(t, sum: true), NcclLibrary.Sum, _comm, 0), "ncclReduceScatter");
        output.copy_(result.view(output.shape));
    }

    public Tensor AllGather(Tensor tensor)
    {
        var t = OnDevice(tensor);
        var shape = tensor.shape.ToArray();
        shape[0] *= Size;
        var gathered = torch.empty(shape, t.dtype, _device);
        Completed(_nccl.AllGather(Pointer(t), Pointer(gathered), (nuint)t.numel(), DataType(t, sum: false), _comm, 0), "ncclAllGather");
        return gathered.to(tensor.device);
    }

    public void Broadcast(Tensor tensor, int root)
    {
        var t = OnDevice(tensor);
        Completed(_nccl.Broadcast(Pointer(t), Pointer(t), (nuint)t.numel(), DataType(t, sum: false), root, _comm, 0), "ncclBroadcast");
        if (!ReferenceEquals(t, tensor)) tensor.copy_(t);
    }

    public void Barrier()
    {
        using var unbounded = _watch.Unbounded(); // the others may be waiting while one rank works alone
        using var one = torch.ones(1, device: _device);
        AllReduceSum(one);
        torch.cuda.synchronize(_device);
    }

    /// <summary>
    /// Aborts the communicator (its kernels return on every rank that still waits), then, under an MPI launcher, ends every
    /// rank with MPI_Abort. Under torchrun the caller exits non-zero next, and torchrun's agent stops the other ranks.
    /// </summary>
    public void Abort(int exitCode)
    {
        if (_comm != 0) _nccl.CommAbort(_comm);
        _comm = 0;
        if (Bootstrap is ICollectives job) job.Abort(exitCode);
    }

    /// <summary>A contiguous copy on this rank's GPU, or the tensor itself when it is one.</summary>
    Tensor OnDevice(Tensor tensor) =>
        tensor.device_type == DeviceType.CUDA && tensor.device_index == _device.index && tensor.is_contiguous() ? tensor : tensor.contiguous().to(_device);

    /// <summary>The device address of a contiguous tensor's first element.</summary>
    static void* Pointer(Tensor t) => (void*)TensorPointer.Of(t);

    static int DataType(Tensor t, bool sum) => t.dtype switch
    {
        ScalarType.Float32 => NcclLibrary.Float32,
        ScalarType.Float64 => NcclLibrary.Float64,
        ScalarType.Int64 => NcclLibrary.Int64,
        ScalarType.BFloat16 => NcclLibrary.BFloat16,
        ScalarType.Float16 => NcclLibrary.Float16,
        ScalarType.Byte when !sum => NcclLibrary.Uint8,
        _ => throw new ArgumentException($"NCCL {(sum ? "sum" : "collective")} of {t.dtype} is not supported"),
    };

    public void Dispose()
    {
        if (_comm != 0) _nccl.CommDestroy(_comm);
        _comm = 0;
        Bootstrap?.Dispose();
    }
}

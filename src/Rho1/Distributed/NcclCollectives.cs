// Collectives on CUDA tensors through NCCL. The communicator's unique id comes from rank 0, over MPI when MPI
// launched the job, else through the TCP rendezvous at MASTER_ADDR:MASTER_PORT (torchrun). Operations are
// queued on the default CUDA stream, the one libtorch computes on in TorchSharp (which exposes no other),
// so they are ordered with the kernels around them without a host wait.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Distributed;

public sealed unsafe class NcclCollectives : ICollectives
{
    readonly NcclLibrary _nccl;
    readonly Device _device;
    nint _comm;

    public int Rank { get; }
    public int Size { get; }
    public string Backend { get; }

    /// <summary>What carried the unique id when it must outlive the communicator (MPI, finalised after NCCL); disposed last.</summary>
    public IDisposable? Bootstrap { get; init; }

    /// <param name="exchangeId">Given rank 0's id bytes on rank 0 (any bytes elsewhere), returns rank 0's on every rank.</param>
    public NcclCollectives(NcclLibrary nccl, int rank, int size, Device device, Func<byte[], byte[]> exchangeId)
    {
        if (device.type != DeviceType.CUDA) throw new ArgumentException("NCCL collectives need a CUDA device", nameof(device));
        (_nccl, _device, Rank, Size) = (nccl, device, rank, size);
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
        using (var select = torch.zeros(1, device: device)) { } // makes the device current for NCCL's own CUDA calls
        nint comm = 0;
        nccl.Check(nccl.CommInitRank(&comm, size, id, rank), "ncclCommInitRank");
        _comm = comm;
        Backend = $"nccl {nccl.Version()} ({nccl.Path})";
    }

    public void AllReduceSum(Tensor tensor)
    {
        var t = OnDevice(tensor);
        _nccl.Check(_nccl.AllReduce(Pointer(t), Pointer(t), (nuint)t.numel(), DataType(t, sum: true), NcclLibrary.Sum, _comm, 0), "ncclAllReduce");
        if (!ReferenceEquals(t, tensor)) tensor.copy_(t);
    }

    public Tensor AllGather(Tensor tensor)
    {
        var t = OnDevice(tensor);
        var shape = tensor.shape.ToArray();
        shape[0] *= Size;
        var gathered = torch.empty(shape, t.dtype, _device);
        _nccl.Check(_nccl.AllGather(Pointer(t), Pointer(gathered), (nuint)t.numel(), DataType(t, sum: false), _comm, 0), "ncclAllGather");
        return gathered.to(tensor.device);
    }

    public void Broadcast(Tensor tensor, int root)
    {
        var t = OnDevice(tensor);
        _nccl.Check(_nccl.Broadcast(Pointer(t), Pointer(t), (nuint)t.numel(), DataType(t, sum: false), root, _comm, 0), "ncclBroadcast");
        if (!ReferenceEquals(t, tensor)) tensor.copy_(t);
    }

    public void Barrier()
    {
        using var one = torch.ones(1, device: _device);
        AllReduceSum(one);
        torch.cuda.synchronize(_device);
    }

    public void Abort(int exitCode)
    {
        if (_comm != 0) _nccl.CommAbort(_comm);
        _comm = 0;
    }

    /// <summary>A contiguous copy on this rank's GPU, or the tensor itself when it is one.</summary>
    Tensor OnDevice(Tensor tensor) =>
        tensor.device_type == DeviceType.CUDA && tensor.device_index == _device.index && tensor.is_contiguous() ? tensor : tensor.contiguous().to(_device);

    /// <summary>The device address of a contiguous tensor's first element.</summary>
    static void* Pointer(Tensor t)
    {
        nint storage = t.dtype switch
        {
            ScalarType.Float32 => t.storage<float>().data_ptr(),
            ScalarType.Float64 => t.storage<double>().data_ptr(),
            ScalarType.Int64 => t.storage<long>().data_ptr(),
            ScalarType.BFloat16 => t.storage<BFloat16>().data_ptr(),
            ScalarType.Float16 => t.storage<Half>().data_ptr(),
            ScalarType.Byte => t.storage<byte>().data_ptr(),
            _ => throw new ArgumentException($"NCCL collectives of {t.dtype} are not supported"),
        };
        return (void*)(storage + (nint)(t.storage_offset() * t.element_size()));
    }

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

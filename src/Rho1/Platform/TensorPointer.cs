// The address of a contiguous tensor's first element, for the C APIs that take buffers (NCCL) and for the CPU kernels
// written here (Model/Runtime/CrossEntropyRows), read from libtorch's own data_ptr through TorchSharp's native shim.
// TorchSharp 0.107's typed storage accessors support neither bf16 nor fp16 (storage<BFloat16>() throws).
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Rho1.Platform;

public static partial class TensorPointer
{
    [LibraryImport("LibTorchSharp", EntryPoint = "THSTensor_data")]
    private static partial nint DataPtr(nint tensor);

    /// <summary>The device (or host) address of <paramref name="t"/>'s first element, its storage offset included.</summary>
    public static nint Of(Tensor t)
    {
        if (!t.is_contiguous())
            throw new ArgumentException("a buffer for a C API must be contiguous", nameof(t));
        nint address = DataPtr(t.Handle);
        GC.KeepAlive(t);
        if (address == 0 && t.numel() > 0)
            throw new InvalidOperationException($"libtorch gave no data pointer for a {t.dtype} tensor of {t.numel()} elements");
        return address;
    }
}

// The CUDA runtime (libcudart) bound at run time for the calls TorchSharp does not expose: selecting the device this
// process's NCCL calls run on, asking whether the default stream's queued work (a collective, after the kernels before
// it) has finished without blocking, and the device's memory (the automatic loss chunk, Training/LossChunkChoice). Searched where RHO1_LIBCUDART
// says, then on the library path, then beside the libtorch this process loaded (CUDA builds of libtorch ship it
// under a hashed name). Absent on CPU-only machines; callers fall back and say so.
using System.Runtime.InteropServices;

namespace Rho1.Distributed;

public sealed unsafe class CudaRuntime
{
    const int Success = 0, NotReady = 600; // cudaError_t

    readonly delegate* unmanaged<int, int> _setDevice;
    readonly delegate* unmanaged<nint, int> _streamQuery;
    readonly delegate* unmanaged<int, byte*> _errorString;
    readonly delegate* unmanaged<nuint*, nuint*, int> _memGetInfo;

    public string Path { get; }

    CudaRuntime(string path, nint handle)
    {
        Path = path;
        nint Export(string name) => NativeLibrary.TryGetExport(handle, name, out nint address) ? address
            : throw new InvalidOperationException($"{path}: has no {name}: not a CUDA runtime library");
        _setDevice = (delegate* unmanaged<int, int>)Export("cudaSetDevice");
        _streamQuery = (delegate* unmanaged<nint, int>)Export("cudaStreamQuery");
        _errorString = (delegate* unmanaged<int, byte*>)Export("cudaGetErrorString");
        _memGetInfo = (delegate* unmanaged<nuint*, nuint*, int>)Export("cudaMemGetInfo");
    }

    /// <summary>Where to look, in order: <paramref name="explicitPath"/>, the usual sonames, then libcudart* beside each libtorch in <paramref name="loadedLibraries"/>.</summary>
    public static IReadOnlyList<string> Candidates(string? explicitPath, IEnumerable<string> loadedLibraries, Func<string, IEnumerable<string>> listDirectory)
    {
        if (!string.IsNullOrEmpty(explicitPath)) return [explicitPath];
        var list = new List<string> { "libcudart.so", "libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0" };
        foreach (string library in loadedLibraries)
            if (System.IO.Path.GetFileName(library).StartsWith("libtorch", StringComparison.Ordinal) && System.IO.Path.GetDirectoryName(library) is { } dir)
                list.AddRange(listDirectory(dir).Where(f => System.IO.Path.GetFileName(f).StartsWith("libcudart", StringComparison.Ordinal)).Order().Where(f => !list.Contains(f)));
        return list;
    }

    /// <summary>The first loadable candidate, or null (a CPU-only machine, or a CUDA build that links the runtime statically).</summary>
    public static CudaRuntime? TryLoad(string? explicitPath)
    {
        var candidates = Candidates(explicitPath, NativeLibraries.Loaded(),
            dir => Directory.Exists(dir) ? Directory.EnumerateFiles(dir) : []);
        foreach (string candidate in candidates)
            if (NativeLibrary.TryLoad(candidate, out nint handle))
            {
                try { return new CudaRuntime(candidate, handle); }
                catch (InvalidOperationException) { }
            }
        return null;
    }

    /// <summary>Makes <paramref name="index"/> the device this thread's CUDA (and NCCL) calls use.</summary>
    public void SetDevice(int index) => Check(_setDevice(index), $"cudaSetDevice({index})");

    /// <summary>Whether every operation queued so far on the legacy default stream (the one libtorch and Rho1's NCCL calls use) has finished.</summary>
    public bool DefaultStreamIdle()
    {
        int code = _streamQuery(0);
        if (code == NotReady) return false;
        Check(code, "cudaStreamQuery");
        return true;
    }

    /// <summary>Bytes of the calling thread's current device (SetDevice): free now, and in all.</summary>
    public (long Free, long Total) MemoryInfo()
    {
        nuint free, total;
        Check(_memGetInfo(&free, &total), "cudaMemGetInfo");
        return ((long)free, (long)total);
    }

    void Check(int code, string call)
    {
        if (code == Success) return;
        throw new InvalidOperationException($"{call} failed: {Marshal.PtrToStringAnsi((nint)_errorString(code)) ?? "unknown error"} (CUDA error {code})");
    }
}

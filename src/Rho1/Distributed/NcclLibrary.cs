// NCCL (libnccl.so.2) bound at run time through its C API, for collectives on CUDA tensors. Searched where
// RHO1_LIBNCCL says, then on the library path, then beside the libtorch this process loaded (CUDA builds of
// libtorch ship their own copy).
using System.Runtime.InteropServices;

namespace Rho1.Distributed;

public sealed unsafe class NcclLibrary
{
    /// <summary>ncclUniqueId: 128 opaque bytes, passed by value to ncclCommInitRank.</summary>
    public struct UniqueId
    {
        public fixed byte Internal[128];
    }

    public const int UniqueIdBytes = 128;

    // ncclDataType_t and ncclRedOp_t values from nccl.h (stable since NCCL 2.0; bfloat16 since 2.10).
    public const int Int64 = 4, Float16 = 6, Float32 = 7, Float64 = 8, BFloat16 = 9, Uint8 = 1;
    public const int Sum = 0;

    public string Path { get; }

    internal readonly delegate* unmanaged<int*, int> GetVersion;
    internal readonly delegate* unmanaged<UniqueId*, int> GetUniqueId;
    internal readonly delegate* unmanaged<nint*, int, UniqueId, int, int> CommInitRank;
    internal readonly delegate* unmanaged<nint, int> CommDestroy;
    internal readonly delegate* unmanaged<nint, int> CommAbort;
    internal readonly delegate* unmanaged<void*, void*, nuint, int, int, nint, nint, int> AllReduce;
    internal readonly delegate* unmanaged<void*, void*, nuint, int, nint, nint, int> AllGather;
    internal readonly delegate* unmanaged<void*, void*, nuint, int, int, nint, nint, int> ReduceScatter;
    internal readonly delegate* unmanaged<void*, void*, nuint, int, int, nint, nint, int> Broadcast;
    internal readonly delegate* unmanaged<int, byte*> ErrorString;
    internal readonly delegate* unmanaged<nint, int*, int> CommGetAsyncError;

    NcclLibrary(string path, nint handle)
    {
        Path = path;
        nint Export(string name) => NativeLibrary.TryGetExport(handle, name, out nint address) ? address
            : throw new UserErrorException($"{path}: has no {name}: not an NCCL 2 library (set RHO1_LIBNCCL to libnccl.so.2)");
        GetVersion = (delegate* unmanaged<int*, int>)Export("ncclGetVersion");
        GetUniqueId = (delegate* unmanaged<UniqueId*, int>)Export("ncclGetUniqueId");
        CommInitRank = (delegate* unmanaged<nint*, int, UniqueId, int, int>)Export("ncclCommInitRank");
        CommDestroy = (delegate* unmanaged<nint, int>)Export("ncclCommDestroy");
        CommAbort = (delegate* unmanaged<nint, int>)Export("ncclCommAbort");
        AllReduce = (delegate* unmanaged<void*, void*, nuint, int, int, nint, nint, int>)Export("ncclAllReduce");
        AllGather = (delegate* unmanaged<void*, void*, nuint, int, nint, nint, int>)Export("ncclAllGather");
        ReduceScatter = (delegate* unmanaged<void*, void*, nuint, int, int, nint, nint, int>)Export("ncclReduceScatter");
        Broadcast = (delegate* unmanaged<void*, void*, nuint, int, int, nint, nint, int>)Export("ncclBroadcast");
        ErrorString = (delegate* unmanaged<int, byte*>)Export("ncclGetErrorString");
        CommGetAsyncError = (delegate* unmanaged<nint, int*, int>)Export("ncclCommGetAsyncError");
    }

    /// <summary>Where to look, in order: <paramref name="explicitPath"/>, the library path, then beside each libtorch in <paramref name="loadedLibraries"/>.</summary>
    public static IReadOnlyList<string> Candidates(string? explicitPath, IEnumerable<string> loadedLibraries)
    {
        if (!string.IsNullOrEmpty(explicitPath)) return [explicitPath];
        var list = new List<string> { "libnccl.so.2" };
        foreach (string library in loadedLibraries)
            if (System.IO.Path.GetFileName(library).StartsWith("libtorch", StringComparison.Ordinal) && System.IO.Path.GetDirectoryName(library) is { } dir)
            {
                string beside = System.IO.Path.Combine(dir, "libnccl.so.2");
                if (!list.Contains(beside)) list.Add(beside);
            }
        return list;
    }

    /// <summary>The first loadable candidate, or a one-line error that names what was tried.</summary>
    public static NcclLibrary Load(string? explicitPath)
    {
        var candidates = Candidates(explicitPath, NativeLibraries.Loaded());
        foreach (string candidate in candidates)
            if (NativeLibrary.TryLoad(candidate, out nint handle))
                return new NcclLibrary(candidate, handle);
        throw new UserErrorException(!string.IsNullOrEmpty(explicitPath)
            ? $"RHO1_LIBNCCL={explicitPath}: cannot be loaded (missing, or not a shared library for this machine)"
            : $"NCCL not found (tried {string.Join(", ", candidates)}): install NCCL 2 (libnccl2) or set RHO1_LIBNCCL to libnccl.so.2");
    }

    public string Version()
    {
        int v = 0;
        GetVersion(&v);
        // NCCL_VERSION_CODE: major·10000 + minor·100 + patch since 2.9 (major·1000 + minor·100 + patch before).
        return v >= 20900 ? $"{v / 10000}.{v / 100 % 100}.{v % 100}" : $"{v / 1000}.{v / 100 % 10}.{v % 100}";
    }

    public void Check(int code, string call)
    {
        if (Describe(code) is { } message)
            throw new InvalidOperationException($"{call} failed: {message}");
    }

    /// <summary>An NCCL result in words, or null for success.</summary>
    public string? Describe(int code) =>
        code == 0 ? null : $"{Marshal.PtrToStringAnsi((nint)ErrorString(code)) ?? "unknown error"} (NCCL error {code})";
}

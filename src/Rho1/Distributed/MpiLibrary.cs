// The system's MPI library, bound at run time through its C API: no MPI package at build time, and one binary
// for both ABIs in use. Open MPI passes handles as pointers to exported globals (ompi_mpi_comm_world, ...);
// the MPICH ABI (MPICH, Intel MPI, Cray MPICH, MVAPICH) passes them as integers fixed in its mpi.h. Handles are
// held as nint either way: on x86-64 and AArch64 an int argument travels in the low half of the same register.
using System.Runtime.InteropServices;

namespace Rho1.Distributed;

public sealed unsafe class MpiLibrary
{
    public enum Abi { OpenMpi, Mpich }

    /// <summary>
    /// Predefined handles (communicator, datatypes, operation) in this library's ABI, and MPI_IN_PLACE's address
    /// (Open MPI's mpi.h: (void *) 1; MPICH's: (void *) -1).
    /// </summary>
    public readonly record struct Handles(nint CommWorld, nint Byte, nint Float, nint Double, nint Int64, nint Sum, nint InPlace);

    /// <summary>Names tried when RHO1_LIBMPI is not set: Open MPI 3-5's, then the MPICH ABI's (MPICH, Intel MPI, ...).</summary>
    static readonly string[] OpenMpiNames = ["libmpi.so.40"], MpichNames = ["libmpi.so.12", "libmpich.so.12"];

    /// <summary>The library names to try, the launcher's own MPI first: hydra (PMI) launches MPICH-ABI jobs, mpirun of Open MPI its own.</summary>
    public static IReadOnlyList<string> Candidates(Launcher launcher) =>
        launcher == Launcher.Pmi ? [.. MpichNames, .. OpenMpiNames, "libmpi.so"] : [.. OpenMpiNames, .. MpichNames, "libmpi.so"];

    public string Path { get; }
    public Abi Kind { get; }
    public Handles Constants { get; }

    internal readonly delegate* unmanaged<int*, byte***, int, int*, int> InitThread;
    internal readonly delegate* unmanaged<int*, int> Initialized;
    internal readonly delegate* unmanaged<int*, int> Finalized;
    internal readonly delegate* unmanaged<int> Finalize;
    internal readonly delegate* unmanaged<nint, int*, int> CommRank;
    internal readonly delegate* unmanaged<nint, int*, int> CommSize;
    // The collectives are the non-blocking ones (MPI-3), each completed by polling MPI_Test under the collective watch;
    // MPI_Request is a pointer in Open MPI and an int in the MPICH ABI: held in a zeroed nint either way.
    internal readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int> Iallreduce;
    internal readonly delegate* unmanaged<void*, int, nint, void*, int, nint, nint, nint*, int> Iallgather;
    internal readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int> IreduceScatterBlock;
    internal readonly delegate* unmanaged<void*, int, nint, int, nint, nint*, int> Ibcast;
    internal readonly delegate* unmanaged<nint, nint*, int> Ibarrier;
    internal readonly delegate* unmanaged<nint*, int*, void*, int> Test;
    internal readonly delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int> Isend;
    internal readonly delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int> Irecv;
    internal readonly delegate* unmanaged<nint, int, int> AbortFn;
    internal readonly delegate* unmanaged<byte*, int*, int> LibraryVersion;
    internal readonly delegate* unmanaged<int, byte*, int*, int> ErrorString;

    MpiLibrary(string path, nint handle)
    {
        Path = path;
        nint Export(string name) => NativeLibrary.TryGetExport(handle, name, out nint address) ? address
            : throw new UserErrorException($"{path}: has no {name}: not an MPI library (set RHO1_LIBMPI to the libmpi.so of the MPI that launched this job)");
        bool openMpi = NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out nint commWorld);
        Kind = openMpi ? Abi.OpenMpi : Abi.Mpich;
        Constants = openMpi
            ? new Handles(commWorld, Export("ompi_mpi_byte"), Export("ompi_mpi_float"), Export("ompi_mpi_double"), Export("ompi_mpi_int64_t"), Export("ompi_mpi_op_sum"), 1)
            : new Handles(0x44000000, 0x4c00010d, 0x4c00040a, 0x4c00080b, 0x4c000809, 0x58000003, -1); // MPICH's mpi.h
        InitThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export("MPI_Init_thread");
        Initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        Finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        Iallreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int>)Export("MPI_Iallreduce");
        Iallgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, nint*, int>)Export("MPI_Iallgather");
        IreduceScatterBlock = (delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int>)Export("MPI_Ireduce_scatter_block");
        Ibcast = (delegate* unmanaged<void*, int, nint, int, nint, nint*, int>)Export("MPI_Ibcast");
        Ibarrier = (delegate* unmanaged<nint, nint*, int>)Export("MPI_Ibarrier");
        Test = (delegate* unmanaged<nint*, int*, void*, int>)Export("MPI_Test");
        Isend = (delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int>)Export("MPI_Isend");
        Irecv = (delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int>)Export("MPI_Irecv");
        AbortFn = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        LibraryVersion = (delegate* unmanaged<byte*, int*, int>)Export("MPI_Get_library_version");
        ErrorString = (delegate* unmanaged<int, byte*, int*, int>)Export("MPI_Error_string");
    }

    /// <summary>Opens RHO1_LIBMPI if set, else the first of <see cref="Candidates"/> on the library path.</summary>
    public static MpiLibrary Load(string? explicitPath, Launcher launcher = Launcher.OpenMpi)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            if (!NativeLibrary.TryLoad(explicitPath, out nint handle))
                throw new UserErrorException($"RHO1_LIBMPI={explicitPath}: cannot be loaded (missing, or not a shared library for this machine)");
            return new MpiLibrary(explicitPath, handle);
        }
        var candidates = Candidates(launcher);
        foreach (string name in candidates)
            if (NativeLibrary.TryLoad(name, out nint handle))
                return new MpiLibrary(name, handle);
        throw new UserErrorException($"launched by an MPI launcher, but no MPI library was found ({string.Join(", ", candidates)}): " +
            "install Open MPI (Debian: apt-get install openmpi-bin libopenmpi3) or set RHO1_LIBMPI to your libmpi.so");
    }

    /// <summary>The library's own description, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, ...": first line only.</summary>
    public string Version()
    {
        var buffer = new byte[8192]; // MPI_MAX_LIBRARY_VERSION_STRING is 256 (Open MPI) or 8192 (MPICH)
        int length = 0;
        fixed (byte* p = buffer)
            if (LibraryVersion(p, &length) != 0) return "unknown version";
        string text = System.Text.Encoding.ASCII.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length)).TrimEnd('\0');
        return System.Text.RegularExpressions.Regex.Replace(text.Split('\n', ',')[0], @"\s+", " ").Trim();
    }

    /// <summary>Throws with MPI's own message when <paramref name="code"/> is not MPI_SUCCESS.</summary>
    public void Check(int code, string call)
    {
        if (code == 0) return;
        var buffer = new byte[1024];
        int length = 0;
        fixed (byte* p = buffer)
            ErrorString(code, p, &length);
        throw new InvalidOperationException($"{call} failed: {System.Text.Encoding.ASCII.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length))} (MPI error {code})");
    }
}

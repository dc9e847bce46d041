// A second name for an existing file (link(2)), so that a dataset merged from parts on the same file system holds
// the parts' shards without copying their bytes. Elsewhere (another file system, or no link support) the caller copies.
using System.Runtime.InteropServices;

namespace Rho1.IO;

public static partial class HardLink
{
    [LibraryImport("libc.so.6", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string created);

    /// <summary>Makes <paramref name="created"/> a hard link to <paramref name="existing"/>; false where the system cannot.</summary>
    public static bool TryCreate(string existing, string created)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try { return Link(existing, created) == 0; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    /// <summary>A hard link where possible, else a copy; returns whether it linked.</summary>
    public static bool LinkOrCopy(string existing, string created)
    {
        if (TryCreate(existing, created)) return true;
        File.Copy(existing, created);
        return false;
    }
}

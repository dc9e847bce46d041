// fsync of a directory: a rename is durable against a power cut (not only a killed process) only once the
// directory holding the new entry is flushed. .NET has no API for it, so on Linux it calls libc directly;
// elsewhere it does nothing (macOS would need F_FULLFSYNC, Windows flushes metadata differently).
using System.Runtime.InteropServices;

namespace Rho1.IO;

public static partial class DirectorySync
{
    const int EBADF = 9, EINVAL = 22, EROFS = 30;

    /// <summary>
    /// Flushes <paramref name="directory"/>'s entries to disk. Throws IOException naming it when it cannot be
    /// opened or the disk reports an error; a file system that cannot sync directories (EINVAL, EROFS) is skipped.
    /// </summary>
    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
            throw new IOException($"{directory}: cannot open to sync ({Marshal.GetLastPInvokeErrorMessage()})");
        try
        {
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() is not (EINVAL or EROFS or EBADF) and int errno)
                throw new IOException($"{directory}: sync failed ({Marshal.GetPInvokeErrorMessage(errno)})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Flushes the directory that holds <paramref name="path"/> (a file or directory just renamed into place).</summary>
    public static void FlushParent(string path) =>
        Flush(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)))!);

    [LibraryImport("libc.so.6", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

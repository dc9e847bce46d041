// Crash-safe file writes: write under a temporary name in the same folder, flush to disk, then rename over
// the target. A reader sees the old complete version or the new complete one, never half; a write that fails
// (disk full) or is killed leaves the old version in place and at most a hidden ".NAME.tmp-*" file behind.
using System.Security.Cryptography;

namespace Rho1.IO;

public static class AtomicFile
{
    /// <summary>
    /// Test seam for write failures (disk full) that root-run tests cannot provoke with permissions: given the
    /// target path, returns an exception to throw after the data reached the temporary file but before it is
    /// committed, or null. Process-wide, so a test must match only paths of its own.
    /// </summary>
    internal static volatile Func<string, Exception?>? InjectFault;

    /// <summary>The temporary files of writes into <paramref name="dir"/> that a kill interrupted (".NAME.tmp-*").</summary>
    public static string[] Leftovers(string dir) => Directory.GetFiles(dir, ".*.tmp-*");

    /// <summary>Writes <paramref name="write"/>'s output to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                if (InjectFault?.Invoke(path) is { } fault)
                    throw fault;
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
            DirectorySync.Flush(dir);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true); w.Write(text); });

    /// <summary>Lower-case hex SHA-256 of a file's bytes.</summary>
    public static string Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

// Publishing a directory written under a temporary name: rename it into place, and when it replaces an
// older one, move the old aside first and delete it last, so the target path always holds a complete version
// (old or new). A kill between the two renames leaves the old one under a hidden ".NAME.old-*" name.

namespace Rho1.IO;

public static class AtomicDirectory
{
    /// <summary>A hidden, unique sibling of <paramref name="target"/> to write the new version into.</summary>
    public static string TempFor(string target)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.tmp-{Guid.NewGuid():N}");
    }

    /// <summary>
    /// Renames the complete directory <paramref name="temp"/> to <paramref name="target"/>, replacing the directory
    /// there; the old one is moved to <paramref name="aside"/> (default: a hidden ".NAME.old-*" sibling) until then.
    /// On Linux both directories' entries are synced, so the publish also survives a power cut.
    /// </summary>
    public static void Publish(string temp, string target, string? aside = null)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        DirectorySync.Flush(temp); // its entries first, then the rename that publishes them
        if (!Directory.Exists(full))
        {
            Directory.Move(temp, full);
            DirectorySync.FlushParent(full);
            return;
        }
        string old = aside ?? Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.old-{Guid.NewGuid():N}");
        Directory.Move(full, old);
        Directory.Move(temp, full);
        DirectorySync.FlushParent(full);
        Directory.Delete(old, recursive: true);
    }
}

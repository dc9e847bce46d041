// DirectorySync reaches libc on Linux: a directory that cannot be opened is reported with its path and the
// system's reason (a no-op or a swallowed error would not throw).
using Rho1.IO;

namespace Rho1.Tests.IO;

public class DirectorySyncTests
{
    [SkippableFact]
    public void A_missing_directory_is_an_error_naming_it()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "DirectorySync is a no-op off Linux");
        string missing = Path.Combine(Path.GetTempPath(), $"rho1-missing-{Guid.NewGuid():N}");
        var e = Assert.Throws<IOException>(() => DirectorySync.Flush(missing));
        Assert.Contains(missing, e.Message);
        Assert.Contains("No such file or directory", e.Message);
    }

    [SkippableFact]
    public void The_parent_of_a_renamed_entry_is_the_directory_synced()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "DirectorySync is a no-op off Linux");
        string parent = Path.Combine(Path.GetTempPath(), $"rho1-sync-{Guid.NewGuid():N}");
        // The entry need not exist any more; its parent must: a missing parent names the parent, not the entry.
        var e = Assert.Throws<IOException>(() => DirectorySync.FlushParent(Path.Combine(parent, "entry") + "/"));
        Assert.StartsWith(parent + ":", e.Message);
    }
}

// AtomicFile under failure: a write that fails part-way (disk full, simulated through the fault seam) or whose
// writer throws leaves the previous complete version and no temporary file; a reader never sees new bytes early.
using Rho1.IO;

namespace Rho1.Tests.IO;

public class AtomicFileTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("rho1-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_write_failing_before_commit_keeps_the_previous_version_and_no_temporary_file()
    {
        string path = Path.Combine(_dir, "summary.json");
        AtomicFile.WriteAllText(path, "version 1");
        AtomicFile.InjectFault = p => p == path ? new IOException("No space left on device") : null;
        try
        {
            var e = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(path, new string('x', 100_000)));
            Assert.Equal("No space left on device", e.Message);
        }
        finally
        {
            AtomicFile.InjectFault = null;
        }
        Assert.Equal("version 1", File.ReadAllText(path));
        Assert.Equal(new[] { "summary.json" }, Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void A_writer_that_throws_half_way_leaves_the_target_untouched()
    {
        string path = Path.Combine(_dir, "data.bin");
        AtomicFile.Write(path, s => s.Write(new byte[] { 1, 2, 3 }));
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[] { 9, 9 });
            // The temporary file holds the new bytes; the target must still hold the old ones.
            Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
            throw new InvalidOperationException("writer failed");
        }));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir));
    }
}

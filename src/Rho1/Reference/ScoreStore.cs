// Read access to a finished score directory: verified once on open, then memory-mapped so that gathering
// a batch's reference losses costs a copy, and resident memory does not grow with the corpus.
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text.Json;
using Rho1.IO;

namespace Rho1.Reference;

public sealed class ScoreStore : IDisposable
{
    readonly MemoryMappedFile _file;
    readonly MemoryMappedViewAccessor _view;

    public ScoreMeta Meta { get; }
    public string Directory { get; }
    public long Count { get; }

    ScoreStore(string dir, ScoreMeta meta, MemoryMappedFile file, MemoryMappedViewAccessor view, long count)
    {
        (Directory, Meta, _file, _view, Count) = (dir, meta, file, view, count);
    }

    /// <summary>Opens and verifies a score directory; every problem is a user error naming the file.</summary>
    public static ScoreStore Open(string dir)
    {
        if (!System.IO.Directory.Exists(dir))
            throw new UserErrorException($"--ref-scores {dir}: no such directory (make it with `rho1 score`)");
        string path = Path.Combine(dir, ScoreFile.FileName), metaPath = Path.Combine(dir, ScoreFile.MetaName);
        var kind = OutputDirectory.Inspect(dir).Kind;
        if (kind == OutputDirectory.Kind.Run)
            throw new UserErrorException($"--ref-scores {dir}: is a Rho1 run directory, not a score directory; give it as --ref (reference losses online), " +
                $"or make scores from it with `rho1 score --ref {dir} --data DATA --out SCORES`");
        if (kind is OutputDirectory.Kind.Dataset or OutputDirectory.Kind.Export or OutputDirectory.Kind.Quickstart)
            throw new UserErrorException($"--ref-scores {dir}: is {OutputDirectory.Describe(kind)}, not a score directory (make one with `rho1 score`)");
        if (!File.Exists(Path.Combine(dir, ScoreFile.DoneName)) || !File.Exists(metaPath) || !File.Exists(path))
            throw new UserErrorException($"--ref-scores {dir}: incomplete score directory (no DONE marker); rerun `rho1 score` to finish it");
        ScoreMeta meta;
        try { meta = JsonSerializer.Deserialize<ScoreMeta>(File.ReadAllText(metaPath)) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new UserErrorException($"{metaPath}: invalid JSON ({e.Message})", e); }
        long count;
        try { (count, _) = ScoreFile.Verify(path); }
        catch (InvalidDataException e) { throw new UserErrorException(e.Message, e); }
        if (count != meta.Tokens)
            throw new UserErrorException($"{path}: holds {count} values but {metaPath} says {meta.Tokens} tokens");
        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        return new ScoreStore(dir, meta, file, view, count);
    }

    /// <summary>Copies values [start, start + destination.Length) into <paramref name="destination"/>.</summary>
    public unsafe void Read(long start, Span<float> destination)
    {
        if (start < 0 || start + destination.Length > Count)
            throw new ArgumentOutOfRangeException(nameof(start), start, $"range of {destination.Length} outside 0..{Count}");
        byte* basePtr = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
        try
        {
            var src = new ReadOnlySpan<float>(basePtr + _view.PointerOffset + ScoreFile.HeaderBytes + start * 4, destination.Length);
            src.CopyTo(destination);
        }
        finally
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    public void Dispose()
    {
        _view.Dispose();
        _file.Dispose();
    }
}

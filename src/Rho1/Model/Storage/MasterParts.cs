// The fp32 master weights of a train.zero=2 checkpoint, which live only in its optimizer parts: each part holds its
// rank's masters ("w") for its ranges of the flat store ("owned" rows: start, length, local start) and where each
// parameter sits in that store ("offset.NAME": offset, length). Laid over the bf16 weights of model.bin, so that
// evaluation, export and --init read the weights training would continue from. Parts are read range by range
// (TensorFileIndex), never whole: one tensor's masters in memory at a time.
using Rho1.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Model.Storage;

public sealed class MasterParts : IDisposable
{
    sealed record Part(TensorFileIndex Index, long[] Owned, Dictionary<string, (long Offset, long Length)> Places);

    readonly List<Part> _parts;
    readonly string _dir;

    MasterParts(string dir, List<Part> parts) => (_dir, _parts) = (dir, parts);

    /// <summary>The masters of checkpoint <paramref name="dir"/> (verified by its caller), or null when it has none (no parts, or parts of ZeRO-1).</summary>
    public static MasterParts? Open(string dir)
    {
        var paths = CheckpointFiles.PartPaths(dir);
        var parts = new List<Part>();
        try
        {
            foreach (string path in paths)
            {
                TensorFile.Verify(path);
                var index = TensorFileIndex.Open(path);
                parts.Add(new Part(index, [], []));
                if (!index.Contains("w")) continue;
                using var owned = index.Read(index["owned"]);
                var places = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
                foreach (var e in index.Entries.Where(e => e.Name.StartsWith("offset.", StringComparison.Ordinal)))
                {
                    using var place = index.Read(e);
                    long[] p = place.data<long>().ToArray();
                    places[e.Name["offset.".Length..]] = (p[0], p[1]);
                }
                parts[^1] = new Part(index, owned.numel() == 0 ? [] : owned.data<long>().ToArray(), places);
            }
        }
        catch (InvalidDataException e)
        {
            foreach (var p in parts) p.Index.Dispose();
            throw new UserErrorException($"checkpoint {dir}: {e.Message}", e);
        }
        int withMasters = parts.Count(p => p.Index.Contains("w"));
        if (withMasters == 0)
        {
            foreach (var p in parts) p.Index.Dispose();
            return null;
        }
        if (withMasters != parts.Count)
            throw new UserErrorException($"checkpoint {dir}: {withMasters} of its {parts.Count} optimizer parts hold master weights");
        return new MasterParts(dir, parts);
    }

    /// <summary>Copies the masters of parameter <paramref name="name"/> into <paramref name="weight"/> (fp32, contiguous, its shape); every value must be found.</summary>
    public void Overlay(string name, Tensor weight)
    {
        using var noGrad = torch.no_grad();
        using var flat = weight.view(-1);
        long covered = 0;
        foreach (var part in _parts)
        {
            if (!part.Places.TryGetValue(name, out var place)) continue;
            var w = part.Index["w"];
            for (int i = 0; i < part.Owned.Length; i += 3)
            {
                long start = part.Owned[i], local = part.Owned[i + 2];
                long from = Math.Max(start, place.Offset), to = Math.Min(start + part.Owned[i + 1], place.Offset + place.Length);
                if (from >= to) continue;
                using var source = part.Index.ReadRange(w, local + from - start, to - from);
                using var target = flat.narrow(0, from - place.Offset, to - from);
                target.copy_(source);
                covered += to - from;
            }
        }
        if (covered != flat.numel())
            throw new UserErrorException($"checkpoint {_dir}: its parts hold master weights for {covered:N0} of the {flat.numel():N0} values of '{name}'");
    }

    /// <summary>Overwrites <paramref name="model"/>'s weights with the masters in checkpoint <paramref name="dir"/>'s parts; none there: nothing.</summary>
    public static void Apply(Transformer model, string dir)
    {
        using var masters = Open(dir);
        if (masters is null) return;
        foreach (var (name, p) in model.named_parameters())
            using (var weight = p.detach())
                masters.Overlay(name, weight);
    }

    public void Dispose()
    {
        foreach (var p in _parts) p.Index.Dispose();
    }
}

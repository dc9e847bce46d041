// The fp32 master weights of a train.zero=2 checkpoint, which live only in its optimizer parts: each part holds its
// rank's masters ("w") for its ranges of the flat store ("owned" rows: start, length, local start) and where each
// parameter sits in that store ("offset.NAME": offset, length). Copied over the bf16 weights of model.bin, so that
// evaluation, export and --init read the weights training would continue from. One part in memory at a time.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Model.Storage;

public static class MasterParts
{
    /// <summary>Overwrites <paramref name="model"/>'s weights with the masters in checkpoint <paramref name="dir"/>'s parts; no parts or no masters: nothing.</summary>
    public static void Apply(Transformer model, string dir)
    {
        var parts = CheckpointFiles.PartPaths(dir);
        if (parts.Count == 0) return;
        var byName = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        long covered = 0, total = byName.Values.Sum(p => p.numel());
        int withMasters = 0;
        using var noGrad = torch.no_grad();
        foreach (var path in parts)
        {
            var part = CheckpointFiles.ReadTensors(dir, Path.GetFileName(path));
            try
            {
                if (!part.TryGetValue("w", out var w)) continue;
                withMasters++;
                var entries = part.Where(kv => kv.Key.StartsWith("offset.", StringComparison.Ordinal))
                    .Select(kv => (Name: kv.Key["offset.".Length..], Place: kv.Value.data<long>().ToArray())).ToList();
                long[] owned = part["owned"].numel() == 0 ? [] : part["owned"].data<long>().ToArray();
                for (int i = 0; i < owned.Length; i += 3)
                    foreach (var (name, place) in entries)
                    {
                        long start = owned[i], local = owned[i + 2];
                        long from = Math.Max(start, place[0]), to = Math.Min(start + owned[i + 1], place[0] + place[1]);
                        if (from >= to) continue;
                        if (!byName.TryGetValue(name, out var p))
                            throw new UserErrorException($"checkpoint {dir}: master weights of '{name}', which this model lacks");
                        using var flat = p.detach().view(-1);
                        using var target = flat.narrow(0, from - place[0], to - from);
                        using var source = w.narrow(0, local + from - start, to - from);
                        target.copy_(source);
                        covered += to - from;
                    }
            }
            finally
            {
                foreach (var t in part.Values) t.Dispose();
            }
        }
        if (withMasters > 0 && (withMasters != parts.Count || covered != total))
            throw new UserErrorException($"checkpoint {dir}: its parts hold master weights for {covered:N0} of the model's {total:N0} values");
    }
}

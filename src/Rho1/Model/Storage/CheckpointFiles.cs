// The checkpoint directory format: model.bin and optimizer.bin (tensor files), state.json, and a DONE
// marker, written last, that lists every file's SHA-256. Written into a temporary directory and renamed into
// place, so a directory named step-NNNNNNN is complete unless its bytes were damaged afterwards. With sharded
// optimizer state every rank first writes its own part (optimizer-rank-R-of-N.bin) into a temporary directory
// all ranks know (PartsTemp), and DONE lists the parts too. What state.json holds is the trainer's business
// (Training/Runs/TrainerState); this file only stores and checks.
using System.Text.Json;
using System.Text.Json.Nodes;
using Rho1.IO;
using static TorchSharp.torch;

namespace Rho1.Model.Storage;

public static class CheckpointFiles
{
    public const string ModelFile = "model.bin", OptimizerFile = "optimizer.bin", StateFile = "state.json", DoneFile = "DONE";
    static readonly string[] Checked = [ModelFile, OptimizerFile, StateFile];
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The name of rank <paramref name="rank"/>'s part of sharded optimizer state, out of <paramref name="ranks"/>.</summary>
    public static string PartFile(int rank, int ranks) => $"optimizer-rank-{rank:D5}-of-{ranks:D5}.bin";

    /// <summary>
    /// The temporary directory every rank writes its part of <paramref name="dir"/> into: one name all ranks derive alike (no
    /// message needed); rank 0 empties it before the parts and publishes it with Write. ".tmp-" like Write's own, so a run
    /// directory clears it as a leftover after a kill.
    /// </summary>
    public static string PartsTemp(string dir)
    {
        string full = Path.GetFullPath(dir);
        return Path.Combine(Path.GetDirectoryName(full)!, $".tmp-{Path.GetFileName(full)}-parts");
    }

    /// <summary>Writes a complete checkpoint to <paramref name="dir"/>, replacing an older one there only once the new one is complete.</summary>
    /// <param name="parts">Optimizer parts already written into <paramref name="partsTemp"/> by every rank (none when unsharded).</param>
    public static void Write(string dir, int step, string stateJson, IEnumerable<(string, Tensor)> model, IEnumerable<(string, Tensor)> optimizer,
        IReadOnlyList<string>? parts = null, string? partsTemp = null)
    {
        string parent = Path.GetDirectoryName(Path.GetFullPath(dir))!;
        Directory.CreateDirectory(parent);
        string tmp = partsTemp ?? Path.Combine(parent, $".tmp-{Path.GetFileName(dir)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        try
        {
            TensorFile.Save(Path.Combine(tmp, ModelFile), model);
            Platform.FaultInjection.At("checkpoint"); // the fault matrix's "mid-checkpoint": half a checkpoint on disk
            TensorFile.Save(Path.Combine(tmp, OptimizerFile), optimizer);
            AtomicFile.WriteAllText(Path.Combine(tmp, StateFile), stateJson);
            var done = new JsonObject { ["step"] = step, ["files"] = new JsonObject() };
            foreach (string f in Checked)
                done["files"]![f] = AtomicFile.Sha256(Path.Combine(tmp, f));
            if (parts is { Count: > 0 })
            {
                // Each part's own trailer (TensorFile: the SHA-256 of all before it, verified when it is read), not a
                // second hash of every part on rank 0: at 7B the parts are tens of GB.
                var listed = new JsonObject();
                foreach (string part in parts)
                    listed[part] = TensorFile.Trailer(Path.Combine(tmp, part));
                done["parts"] = listed;
            }
            AtomicFile.WriteAllText(Path.Combine(tmp, DoneFile), done.ToJsonString(Indented));
            // ".old-" like ".tmp-": the run directory deletes both kinds of leftovers a kill can leave.
            AtomicDirectory.Publish(tmp, dir, aside: Path.Combine(parent, $".old-{Path.GetFileName(dir)}-{Guid.NewGuid():N}"));
        }
        catch
        {
            try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>Checks the DONE marker and every checksum; returns null if valid, else the reason.</summary>
    public static string? Problem(string dir)
    {
        string donePath = Path.Combine(dir, DoneFile);
        if (!Directory.Exists(dir)) return "does not exist";
        if (!File.Exists(donePath)) return "incomplete (no DONE marker)";
        JsonNode? done;
        try { done = JsonNode.Parse(File.ReadAllText(donePath)); }
        catch (JsonException) { return "DONE marker is not valid JSON"; }
        foreach (string f in Checked)
        {
            string p = Path.Combine(dir, f);
            if (!File.Exists(p)) return $"{f} is missing";
            string? expected;
            try { expected = done?["files"]?[f]?.GetValue<string>(); }
            catch (InvalidOperationException) { return "DONE marker has no checksum list"; } // a hand-edited marker: not ours
            if (expected != AtomicFile.Sha256(p)) return $"{f} fails its checksum";
        }
        foreach (var (part, trailer) in Parts(done))
        {
            string p = Path.Combine(dir, part);
            if (!File.Exists(p)) return $"{part} is missing";
            try
            {
                if (trailer != TensorFile.Trailer(p)) return $"{part} is not the part DONE lists";
            }
            catch (InvalidDataException e) { return e.Message; }
        }
        return null;
    }

    static IEnumerable<(string Name, string? Trailer)> Parts(JsonNode? done) =>
        done?["parts"] is JsonObject parts ? parts.Select(kv => (kv.Key, kv.Value?.GetValue<string>())) : [];

    /// <summary>The sharded optimizer parts of a verified checkpoint, full paths in rank order (none for unsharded state).</summary>
    public static IReadOnlyList<string> PartPaths(string dir)
    {
        var done = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, DoneFile)));
        return [.. Parts(done).Select(p => Path.Combine(dir, p.Name)).Order(StringComparer.Ordinal)];
    }

    /// <summary>state.json of a verified checkpoint; a damaged checkpoint is a user error naming the problem.</summary>
    public static string ReadState(string dir)
    {
        if (Problem(dir) is { } problem)
            throw new UserErrorException($"checkpoint {dir}: {problem}");
        return File.ReadAllText(Path.Combine(dir, StateFile));
    }

    /// <summary>The tensors of <paramref name="file"/> (ModelFile or OptimizerFile), on the CPU; a bad file is a user error.</summary>
    public static Dictionary<string, Tensor> ReadTensors(string dir, string file)
    {
        try
        {
            return TensorFile.Load(Path.Combine(dir, file));
        }
        catch (InvalidDataException e)
        {
            throw new UserErrorException($"checkpoint {dir}: {e.Message}", e);
        }
    }
}

// The checkpoint directory format: model.bin and optimizer.bin (tensor files), state.json, and a DONE
// marker, written last, that lists every file's SHA-256. Written into a temporary directory and renamed into
// place, so a directory named step-NNNNNNN is complete unless its bytes were damaged afterwards. What
// state.json holds is the trainer's business (Training/Runs/TrainerState); this file only stores and checks.
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

    /// <summary>Writes a complete checkpoint to <paramref name="dir"/>, replacing an older one there only once the new one is complete.</summary>
    public static void Write(string dir, int step, string stateJson, IEnumerable<(string, Tensor)> model, IEnumerable<(string, Tensor)> optimizer)
    {
        string parent = Path.GetDirectoryName(Path.GetFullPath(dir))!;
        Directory.CreateDirectory(parent);
        string tmp = Path.Combine(parent, $".tmp-{Path.GetFileName(dir)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        try
        {
            TensorFile.Save(Path.Combine(tmp, ModelFile), model);
            TensorFile.Save(Path.Combine(tmp, OptimizerFile), optimizer);
            AtomicFile.WriteAllText(Path.Combine(tmp, StateFile), stateJson);
            var done = new JsonObject { ["step"] = step, ["files"] = new JsonObject() };
            foreach (string f in Checked)
                done["files"]![f] = AtomicFile.Sha256(Path.Combine(tmp, f));
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
        return null;
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

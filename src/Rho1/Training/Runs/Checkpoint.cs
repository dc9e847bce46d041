// A checkpoint directory: model.bin and optimizer.bin (tensor files), state.json, and a DONE marker,
// written last, that lists every file's SHA-256. Written into a temporary directory and renamed into
// place, so a directory named step-NNNNNNN is complete unless its bytes were damaged afterwards.
using System.Text.Json;
using System.Text.Json.Nodes;
using Rho1.IO;
using static TorchSharp.torch;

namespace Rho1.Training.Runs;

public sealed record LoadedCheckpoint(string Path, TrainerState State, Dictionary<string, Tensor> Model, Dictionary<string, Tensor> Optimizer);

public static class Checkpoint
{
    public const string ModelFile = "model.bin", OptimizerFile = "optimizer.bin", StateFile = "state.json", DoneFile = "DONE";
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes a complete checkpoint to <paramref name="dir"/>, replacing an older one there only once the new one is complete.</summary>
    public static void Save(string dir, TrainerState state, IEnumerable<(string, Tensor)> model, IEnumerable<(string, Tensor)> optimizer)
    {
        string parent = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(dir))!;
        Directory.CreateDirectory(parent);
        string tmp = System.IO.Path.Combine(parent, $".tmp-{System.IO.Path.GetFileName(dir)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        try
        {
            TensorFile.Save(System.IO.Path.Combine(tmp, ModelFile), model);
            TensorFile.Save(System.IO.Path.Combine(tmp, OptimizerFile), optimizer);
            AtomicFile.WriteAllText(System.IO.Path.Combine(tmp, StateFile), JsonSerializer.Serialize(state, Json));
            var done = new JsonObject { ["step"] = state.Step, ["files"] = new JsonObject() };
            foreach (string f in new[] { ModelFile, OptimizerFile, StateFile })
                done["files"]![f] = AtomicFile.Sha256(System.IO.Path.Combine(tmp, f));
            AtomicFile.WriteAllText(System.IO.Path.Combine(tmp, DoneFile), done.ToJsonString(Json));
            // ".old-" like ".tmp-": RunDirectory deletes both kinds of leftovers a kill can leave.
            AtomicDirectory.Publish(tmp, dir, aside: System.IO.Path.Combine(parent, $".old-{System.IO.Path.GetFileName(dir)}-{Guid.NewGuid():N}"));
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
        string donePath = System.IO.Path.Combine(dir, DoneFile);
        if (!Directory.Exists(dir)) return "does not exist";
        if (!File.Exists(donePath)) return "incomplete (no DONE marker)";
        JsonNode? done;
        try { done = JsonNode.Parse(File.ReadAllText(donePath)); }
        catch (JsonException) { return "DONE marker is not valid JSON"; }
        foreach (string f in new[] { ModelFile, OptimizerFile, StateFile })
        {
            string p = System.IO.Path.Combine(dir, f);
            if (!File.Exists(p)) return $"{f} is missing";
            string? expected;
            try { expected = done?["files"]?[f]?.GetValue<string>(); }
            catch (InvalidOperationException) { return "DONE marker has no checksum list"; } // a hand-edited marker: not ours
            if (expected != AtomicFile.Sha256(p)) return $"{f} fails its checksum";
        }
        return null;
    }

    /// <summary>Loads a checkpoint after verifying it; a damaged one is a user error naming the file.</summary>
    public static LoadedCheckpoint Load(string dir)
    {
        if (Problem(dir) is { } problem)
            throw new UserErrorException($"checkpoint {dir}: {problem}");
        var state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(System.IO.Path.Combine(dir, StateFile)))
            ?? throw new UserErrorException($"checkpoint {dir}: empty {StateFile}");
        try
        {
            return new LoadedCheckpoint(dir, state,
                TensorFile.Load(System.IO.Path.Combine(dir, ModelFile)),
                TensorFile.Load(System.IO.Path.Combine(dir, OptimizerFile)));
        }
        catch (InvalidDataException e)
        {
            throw new UserErrorException($"checkpoint {dir}: {e.Message}", e);
        }
    }

    /// <summary>Reads only state.json (config, tokenizer) of a verified checkpoint.</summary>
    public static TrainerState ReadState(string dir)
    {
        if (Problem(dir) is { } problem)
            throw new UserErrorException($"checkpoint {dir}: {problem}");
        return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(System.IO.Path.Combine(dir, StateFile)))!;
    }
}

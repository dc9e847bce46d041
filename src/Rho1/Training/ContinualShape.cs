// A continual run's model shape: the --init model's (or, resuming without --init, the checkpoint's) replaces the
// preset's model.*, and a --set model.* that disagrees with it is refused, naming both values, so that a shape is
// never half the preset's and half the model's.
using Rho1.Data.Reading;
using Rho1.Model;
using Rho1.Model.Storage;
using Rho1.Training.Configuration;
using Rho1.Training.Runs;

namespace Rho1.Training;

public static class ContinualShape
{
    /// <summary>
    /// The config with the --init model's shape: the preset's model.* gives way, but a --set model.* that disagrees with the
    /// model is refused naming both values (FromModel); the model's tokenizer must be the data's.
    /// </summary>
    public static RunConfig FromInit(TrainOptions o, string initFrom, TokenDataset dataset, out bool tokenizerUnknown)
    {
        var info = ModelLoader.Info(initFrom);
        var config = FromModel(o, info.Config.Model, $"--init {o.Init}");
        tokenizerUnknown = info.Tokenizer.Length == 0; // warned about once the run starts, so that a refusal stays one line
        if (!tokenizerUnknown)
            TokenizerMatch.Require($"--init {o.Init}", info.Tokenizer, info.VocabSize, dataset);
        return config;
    }

    /// <summary>The config with <paramref name="model"/>'s shape; a --set model.* that disagrees with it is refused, naming <paramref name="source"/>.</summary>
    public static RunConfig FromModel(TrainOptions o, ModelConfig model, string source)
    {
        var wanted = ResumeCheck.Flatten(o.Config);
        var fromModel = ResumeCheck.Flatten(o.Config with { Model = model });
        foreach (string key in o.SetKeys.Where(k => k.StartsWith("model.", StringComparison.Ordinal)))
            if (!System.Text.Json.Nodes.JsonNode.DeepEquals(wanted.GetValueOrDefault(key), fromModel.GetValueOrDefault(key)))
                throw new UserErrorException($"--set {key}={wanted.GetValueOrDefault(key)?.ToJsonString()} conflicts with {source}, whose {key}={fromModel.GetValueOrDefault(key)?.ToJsonString()}; " +
                    "the model's shape comes from the model");
        return o.Config with { Model = model };
    }
}

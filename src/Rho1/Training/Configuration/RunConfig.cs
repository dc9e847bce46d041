// The whole configuration of a run: model shape, optimisation and token selection. Written to the run
// directory and into every checkpoint, so a run can always be reproduced and a resume checked against it.
using System.Text.Json.Serialization;
using Rho1.Model;

namespace Rho1.Training.Configuration;

public sealed record RunConfig
{
    [JsonPropertyName("model")] public ModelConfig Model { get; init; } = new();
    [JsonPropertyName("train")] public TrainConfig Train { get; init; } = new();
    [JsonPropertyName("selection")] public SelectionConfig Selection { get; init; } = new();

    public void Validate()
    {
        Model.Validate();
        Train.Validate(Model.ContextLength);
        ConfigRule.Require(Model.SlidingWindow == 0 || Train.SeqLen <= Model.SlidingWindow, "train.seq_len", Train.SeqLen,
            $"exceeds the model's sliding_window={Model.SlidingWindow}; Rho1 attends over whole windows, which equals sliding-window attention only up to its length");
        Selection.Validate();
    }
}

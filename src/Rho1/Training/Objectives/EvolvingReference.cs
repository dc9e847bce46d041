// A reference that keeps learning while the model trains (the "self-evolving" reference of TokenCleaning, Pang et
// al. 2025, adapted to pre-training): every ref_refresh_every steps of the trained model it takes ref_refresh_steps
// AdamW steps of its own on clean data, at a constant learning rate. Losses between refreshes are the online forward.
// Which refreshes have happened is a function of the trained model's step alone, so a run that resumes, or reaches
// its first selecting step late, catches up on exactly the refreshes an uninterrupted run made. Every rank trains
// its own copy on the same whole batches, so the copies stay identical without communication.
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using Rho1.Data.Reading;
using Rho1.Data.Sampling;
using Rho1.Model;
using Rho1.Reference;
using Rho1.Training.Configuration;
using Rho1.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Training.Objectives;

public sealed class EvolvingReference : IReferenceLosses
{
    /// <summary>The data seed of the reference's own batches is the run's seed mixed with this, so the two streams differ.</summary>
    const long DataSeedSalt = 0x5EF5EED;

    readonly OnlineReference _online;
    readonly TokenDataset _data;
    readonly BatchLoader _loader;
    readonly AdamW _optimizer;
    readonly SelectionConfig _config;
    readonly double _gradClip, _lr;
    readonly int _seqLen;

    /// <summary>Refreshes made so far.</summary>
    public int Refreshes { get; private set; }

    /// <summary>Mean clean-data loss of the last refresh's steps (NaN before the first).</summary>
    public double LastRefreshLoss { get; private set; } = double.NaN;

    /// <summary>Takes ownership of <paramref name="online"/> and <paramref name="data"/>.</summary>
    /// <param name="lr">The refreshes' learning rate (selection.ref_refresh_lr, resolved).</param>
    public EvolvingReference(OnlineReference online, TokenDataset data, SelectionConfig config, TrainConfig train, double lr, Device device)
    {
        _lr = lr;
        _online = online;
        _data = data;
        _config = config;
        _gradClip = train.GradClip;
        _seqLen = train.SeqLen;
        _loader = new BatchLoader(data.Split("train"), train.BatchSize, train.SeqLen, train.Seed ^ DataSeedSalt, device);
        _optimizer = new AdamW(online.Model.named_parameters().Select(p => (p.name, p.parameter)), train.Beta1, train.Beta2, train.Eps, train.WeightDecay);
    }

    /// <summary>How many refreshes a run has made once <paramref name="step"/> steps are done: one every <paramref name="every"/> steps, none at step 0.</summary>
    public static int RefreshesDue(int step, int every) => every <= 0 || step <= 0 ? 0 : step / every;

    /// <summary>Makes the refreshes due by step <paramref name="step"/> that have not happened yet.</summary>
    public void CatchUp(int step)
    {
        while (Refreshes < RefreshesDue(step, _config.RefRefreshEvery))
            Refresh();
    }

    void Refresh()
    {
        using var grad = torch.enable_grad(); // whatever scope the caller is in, a refresh trains
        var model = _online.Model;
        model.train();
        double sum = 0;
        for (int i = 0; i < _config.RefRefreshSteps; i++)
        {
            using var scope = torch.NewDisposeScope();
            var batch = _loader.Next();
            var loss = model.TokenLosses(batch.Inputs, batch.Targets).mean();
            loss.backward();
            GradientClipping.ClipGlobalNorm(model.parameters(), _gradClip);
            _optimizer.Update(_lr);
            _optimizer.ZeroGrad();
            model.WeightsChanged();
            sum += loss.item<float>();
        }
        model.eval();
        LastRefreshLoss = sum / _config.RefRefreshSteps;
        Refreshes++;
    }

    public Tensor Losses(Batch batch) => _online.Losses(batch);

    /// <summary>The online forward per trained token, plus the refreshes' training spread over the steps between them.</summary>
    public double FlopsPerToken =>
        _online.FlopsPerToken + FlopCounter.TrainFlopsPerToken(_online.Model.Config, _online.Model.ParameterCount, _seqLen)
            * _config.RefRefreshSteps / _config.RefRefreshEvery;

    public JsonObject Describe()
    {
        var d = _online.Describe();
        d["ref_data"] = Path.GetFullPath(_data.Directory);
        d["ref_refresh_lr"] = _lr;
        return d;
    }

    /// <summary>What a checkpoint needs besides tensors: refreshes made, the clean data's cursor, the optimizer's step.</summary>
    public JsonObject SaveState()
    {
        var cursor = _loader.Sampler.Cursor;
        return new JsonObject
        {
            ["refreshes"] = Refreshes, ["sampler_epoch"] = cursor.Epoch, ["sampler_position"] = cursor.Position, ["optimizer_step"] = _optimizer.Step,
            ["last_refresh_loss"] = double.IsNaN(LastRefreshLoss) ? null : LastRefreshLoss,
        };
    }

    /// <summary>The reference's weights ("model.*") and optimizer moments ("m.*", "v.*").</summary>
    public IEnumerable<(string Name, Tensor Tensor)> StateTensors() =>
        _online.Model.state_dict().Select(kv => ("model." + kv.Key, kv.Value)).Concat(_optimizer.State());

    public void LoadState(JsonNode state, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var weights = tensors.Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["model.".Length..], kv => kv.Value);
        if (weights.Count == 0)
            throw new UserErrorException($"checkpoint {source}: no weights of the refreshed reference; it was not written by a run with selection.ref_refresh_every");
        Model.Storage.ModelLoader.LoadWeights(_online.Model, weights, source);
        _online.Model.WeightsChanged();
        _optimizer.LoadState(tensors, state["optimizer_step"]!.GetValue<long>());
        _loader.Sampler.Restore(new SamplerCursor(state["sampler_epoch"]!.GetValue<long>(), state["sampler_position"]!.GetValue<long>()));
        Refreshes = state["refreshes"]!.GetValue<int>();
        LastRefreshLoss = state["last_refresh_loss"]?.GetValue<double>() ?? double.NaN;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _online.Dispose();
        _data.Dispose();
    }
}

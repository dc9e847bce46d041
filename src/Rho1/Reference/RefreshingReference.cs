// A reference that keeps learning while the model trains (the "self-evolving" reference of TokenCleaning, Pang et
// al. 2025, adapted to pre-training): every ref_refresh_every steps of the trained model it takes ref_refresh_steps
// AdamW steps of its own on clean data, at a constant learning rate. Losses between refreshes are the online forward.
// Which refreshes have happened is a function of the trained model's step alone, so a run that resumes, or reaches
// its first selecting step late, catches up on exactly the refreshes an uninterrupted run made. Every rank trains
// its own copy on the same whole batches; on a CPU the copies stay identical by themselves, but CUDA's backward is not
// deterministic, so after each refresh every rank takes rank 0's weights and moments (three broadcasts of flat
// buffers) and the copies are the same on every device. When to catch up is the objective's call (at the start of a
// step); what a refresh is, is this file's.
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using Rho1.Distributed;
using Rho1.Data.Reading;
using Rho1.Data.Sampling;
using Rho1.Model;
using Rho1.Model.Storage;
using Rho1.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Reference;

public sealed class RefreshingReference : IReferenceLosses
{
    /// <summary>The data seed of the reference's own batches is the run's seed mixed with this, so the two streams differ.</summary>
    const long DataSeedSalt = 0x5EF5EED;

    readonly OnlineReference _online;
    readonly TokenDataset _data;
    readonly BatchLoader _loader;
    readonly AdamW _optimizer;
    readonly RefreshSettings _settings;
    readonly double _lr;
    readonly ICollectives _world;

    /// <summary>Refreshes made so far.</summary>
    public int Refreshes { get; private set; }

    /// <summary>Mean clean-data loss of the last refresh's steps (NaN before the first).</summary>
    public double LastRefreshLoss { get; private set; } = double.NaN;

    /// <summary>Takes ownership of <paramref name="online"/> and <paramref name="data"/>.</summary>
    /// <param name="lr">The refreshes' learning rate, resolved (not 0).</param>
    /// <param name="world">The job's ranks, whose copies rank 0's replaces after each refresh (SingleProcess when null).</param>
    public RefreshingReference(OnlineReference online, TokenDataset data, RefreshSettings settings, double lr, Device device, ICollectives? world = null)
    {
        _lr = lr;
        _world = world ?? SingleProcess.Instance;
        _online = online;
        _data = data;
        _settings = settings;
        _loader = new BatchLoader(data.Split(TrainsOnSplit), settings.BatchSize, settings.SeqLen, settings.Seed ^ DataSeedSalt, device);
        _optimizer = new AdamW(online.Model.named_parameters().Select(p => (p.name, p.parameter)), settings.Beta1, settings.Beta2, settings.Eps, settings.WeightDecay);
        online.Model.CastInRuns(_optimizer.Store.Weights, _optimizer.Store.Gradients, _optimizer.Store.OffsetOf);
    }

    /// <summary>The split of its clean data a refresh reads.</summary>
    public const string TrainsOnSplit = "train";

    /// <summary>The clean data it trains on (its TrainsOnSplit split).</summary>
    public TokenDataset Data => _data;

    /// <summary>
    /// <paramref name="online"/> wrapped to keep training: on <paramref name="refData"/>, else the data its checkpoint
    /// <paramref name="refCheckpoint"/> records, at settings.Lr, else the learning rate its own schedule ended on.
    /// Takes ownership of <paramref name="online"/>, disposing it when it refuses.
    /// </summary>
    public static RefreshingReference Open(OnlineReference online, string refCheckpoint, string? refData, RefreshSettings settings, ReferenceRequest request,
        ICollectives? world = null)
    {
        TokenDataset? data = null;
        try
        {
            var info = ModelLoader.Info(refCheckpoint);
            refData ??= info.DataDir.Length > 0 && Directory.Exists(info.DataDir) ? info.DataDir
                : throw new UserErrorException($"--ref {refCheckpoint} does not record data that still exists ({(info.DataDir.Length > 0 ? info.DataDir : "none recorded")}): " +
                    "give the clean data it should keep training on with --ref-data DIR");
            double lr = settings.Lr > 0 ? settings.Lr : info.Config.Train.Lr * info.Config.Train.MinLrRatio;
            if (!(lr > 0))
                throw new UserErrorException($"--ref {refCheckpoint} does not record its learning rate: set selection.ref_refresh_lr");
            data = TokenDataset.OpenVerified(refData);
            TokenizerMatch.Require($"--ref-data {refData}", data.Meta.Tokenizer, data.Meta.VocabSize, request.Dataset);
            return new RefreshingReference(online, data, settings, lr, request.Device, world);
        }
        catch
        {
            data?.Dispose();
            online.Dispose();
            throw;
        }
    }

    /// <summary>How many refreshes a run has made once <paramref name="step"/> steps are done: one every <paramref name="every"/> steps, none at step 0.</summary>
    public static int RefreshesDue(int step, int every) => every <= 0 || step <= 0 ? 0 : step / every;

    /// <summary>Makes the refreshes due by step <paramref name="step"/> that have not happened yet.</summary>
    public void CatchUp(int step)
    {
        while (Refreshes < RefreshesDue(step, _settings.Every))
            Refresh();
    }

    void Refresh()
    {
        using var grad = torch.enable_grad(); // whatever scope the caller is in, a refresh trains
        var model = _online.Model;
        model.train();
        double sum = 0;
        for (int i = 0; i < _settings.Steps; i++)
        {
            using var scope = torch.NewDisposeScope();
            var batch = _loader.Next();
            var loss = model.TokenLosses(batch.Inputs, batch.Targets).mean();
            loss.backward();
            _optimizer.ClipGradients(_settings.GradClip);
            _optimizer.Update(_lr);
            _optimizer.ZeroGrad();
            model.WeightsChanged();
            sum += loss.item<float>();
        }
        _optimizer.Broadcast(_world, root: 0); // the same copy on every rank, whatever the device's summation order
        model.WeightsChanged();
        model.eval();
        LastRefreshLoss = sum / _settings.Steps;
        Refreshes++;
    }

    public Tensor Losses(Batch batch) => _online.Losses(batch);

    /// <summary>The online forward per trained token, plus the refreshes' training spread over the steps between them.</summary>
    public double FlopsPerToken =>
        _online.FlopsPerToken + FlopCounter.TrainFlopsPerToken(_online.Model.Config, _online.Model.ParameterCount, _settings.SeqLen)
            * _settings.Steps / _settings.Every;

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
        ModelLoader.LoadWeights(_online.Model, weights, source);
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

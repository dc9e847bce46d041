// Selective language modelling as a training objective: score each token (excess loss by default), keep
// the top k% (per batch, per sequence, or above a running global threshold), and minimise the mean loss of
// the kept tokens. Before slm_start, and at ratio 1.0, it is exactly plain CLM. The math is Selection's;
// this class adds what a run needs around it: the reference, the schedule, resumable state and statistics.
// Data-parallel: every rank gathers the whole global batch's losses (a few KB), ranks it exactly as one
// process would, keeps its own rows of the mask and divides by the global kept count, so that the averaged
// gradients equal the single-process ones for batch, sequence and global selection alike.
using Rho1.Model;
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using Rho1.Data.Reading;
using Rho1.Distributed;
using Rho1.Reference;
using Rho1.Selection;
using Rho1.Training.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Training.Objectives;

public sealed class SelectiveObjective : ITrainingObjective, IDisposable
{
    readonly SelectionConfig _config;
    readonly ScoreMode _score;
    readonly SelectMode _select;
    readonly IReferenceLosses? _reference;
    readonly RefreshingReference? _refreshing; // the reference, when it keeps training during the run
    readonly int _startStep, _totalSteps;
    readonly long _seed;
    readonly ICollectives _world;
    Tensor? _threshold; // global mode: running cutoff, 0-dim, on the device
    StepSelection? _prepared; // batch mode under gradient accumulation: the step's selection, fixed by PrepareStep

    /// <summary>One step's whole-batch selection: the step's global losses, reference losses and mask (A·B, T), and this rank's rows of the mask per micro-batch.</summary>
    sealed record StepSelection(int Step, Tensor Losses, Tensor? RefLosses, Tensor Mask, Tensor[] MicroMasks);

    public SelectiveObjective(SelectionConfig config, IReferenceLosses? reference, int totalSteps, long seed, ICollectives? world = null)
    {
        if (config.NeedsReference && reference is null)
            throw new UserErrorException($"--score {config.Score} needs a reference: pass --ref CKPT or --ref-scores DIR");
        _config = config;
        (_score, _select) = (config.ScoreMode, config.SelectMode);
        _reference = reference;
        _refreshing = reference as RefreshingReference;
        _startStep = (int)Math.Floor(config.SlmStart * totalSteps);
        _totalSteps = totalSteps;
        _seed = seed;
        _world = world ?? SingleProcess.Instance;
    }

    /// <summary>The objective for a run the trainer has set up, with its reference from a checkpoint or a score directory (null: none).</summary>
    /// <param name="refData">Clean data a refreshing reference (selection.ref_refresh_every) keeps training on.</param>
    public static SelectiveObjective For(TrainingSetup setup, string? refCheckpoint, string? refScores, string? refData = null)
    {
        var (t, s) = (setup.Config.Train, setup.Config.Selection);
        if (refData != null && !s.RefreshesReference)
            throw new UserErrorException("--ref-data is the clean data of a refreshing reference: set selection.ref_refresh_every (--ref-refresh N) too, or leave --ref-data out");
        if (s.RefreshesReference && s.NeedsReference && refCheckpoint is null)
            throw new UserErrorException($"selection.ref_refresh_every={s.RefRefreshEvery} trains the reference during the run: it needs --ref CKPT (an online reference; " +
                "offline --ref-scores cannot follow a reference that changes)");
        var request = new ReferenceRequest(setup.Dataset, t.SeqLen, t.Precision, setup.Device);
        var reference = ReferenceLoader.Open(refCheckpoint, refScores, request);
        if (s.RefreshesReference && reference is OnlineReference online)
            reference = RefreshingReference.Open(online, refCheckpoint!, refData, new RefreshSettings(s.RefRefreshEvery, s.RefRefreshSteps, s.RefRefreshLr,
                t.BatchSize, t.SeqLen, t.Seed, t.Beta1, t.Beta2, t.Eps, t.WeightDecay, t.GradClip), request, setup.World);
        return new(s, reference, t.Steps, t.Seed, setup.World);
    }

    /// <summary>A refreshing reference makes the refreshes due by a step that uses it here, before the step's forward passes.</summary>
    public void BeginStep(int step)
    {
        if (UsesReference(step))
            _refreshing?.CatchUp(step);
    }

    /// <summary>The reference's losses on <paramref name="batch"/> at step <paramref name="step"/>, after any refresh due by then.</summary>
    Tensor ReferenceLosses(Batch batch, int step)
    {
        _refreshing?.CatchUp(step); // a no-op after BeginStep(step); a caller that skipped it still gets the right reference
        return _reference!.Losses(batch);
    }

    /// <summary>k at <paramref name="step"/>: selection.ratio, or its schedule's value.</summary>
    public double RatioAt(int step) => RatioSchedule.At(_config.ScheduleKind, step, _startStep, _totalSteps, _config.RatioStart, _config.Ratio);

    /// <summary>Whether step <paramref name="step"/> selects tokens at all (ratio below 1, past slm_start).</summary>
    bool Selects(int step) => step >= _startStep && RatioAt(step) < 1.0;

    /// <summary>Whether step <paramref name="step"/> needs reference losses: a selecting step whose score is excess or ref.</summary>
    bool UsesReference(int step) => _reference is not null && Selects(step) && (_score is ScoreMode.Excess or ScoreMode.Ref);

    /// <summary>Batch selection ranks the optimizer step's whole batch, so micro-batches of B/k rank like one batch of B.</summary>
    public bool RanksWholeStep(int step) => _select == SelectMode.Batch && Selects(step);

    public void PrepareStep(int step, IReadOnlyList<Batch> batches, IReadOnlyList<Tensor> tokenLosses)
    {
        // Micro-batch by micro-batch, each gathered over ranks: the rows come in the order one process would see them.
        var losses = torch.cat(tokenLosses.Select(_world.AllGather).ToArray(), 0);                                                     // (A·B, T)
        var refLosses = UsesReference(step) ? torch.cat(batches.Select(b => _world.AllGather(ReferenceLosses(b, step))).ToArray(), 0) : null; // (A·B, T)
        using var generator = _score == ScoreMode.Random ? new Generator(RandomSeed(step, micro: 0)) : null;
        var mask = Weights(TokenScores.Compute(_score, losses, refLosses, generator), RatioAt(step));
        var rows = tokenLosses.Select(l => l.shape[0] * _world.Size).ToArray();
        var own = mask.split(rows, 0).Select(Own).ToArray();
        _prepared = new StepSelection(step, losses, refLosses, mask, own);
    }

    public ObjectiveOutput Reduce(Tensor tokenLosses, Batch batch, int step, bool withStats, int micro = 0)
    {
        if (_prepared is { } prepared && prepared.Step == step)
            return ReducePrepared(prepared, tokenLosses, micro, withStats);
        var stats = new Dictionary<string, Tensor>();
        if (!Selects(step))
        {
            if (withStats) stats["selected_fraction"] = torch.ones(1).squeeze();
            return new ObjectiveOutput(tokenLosses.mean(), stats); // bit-identical to plain CLM; ranks' means average to the global one
        }
        // The reference (an online forward) runs only when the selection uses it: not before slm_start, not at ratio
        // 1.0, not for --score loss or random. Each rank scores its own rows, then the global batch is gathered.
        var refLosses = UsesReference(step) ? _world.AllGather(ReferenceLosses(batch, step)) : null;
        var losses = _world.AllGather(tokenLosses.detach());
        if (refLosses is not null && withStats)
            ReferenceStats(stats, losses, refLosses);
        using var generator = _score == ScoreMode.Random ? new Generator(RandomSeed(step, micro)) : null;
        var scores = TokenScores.Compute(_score, losses, refLosses, generator);
        var mask = Weights(scores, RatioAt(step));
        if (withStats)
            SelectionStats(stats, losses, mask);
        using var ranks = _world.Size.ToScalar(); // held for the calls (HeldScalars.cs)
        var loss = _world.Size == 1 ? TokenSelector.MaskedMean(tokenLosses, mask)
            : ((tokenLosses * Own(mask)).sum() / mask.sum().clamp_min(HeldScalars.OneDouble)).mul(ranks); // the ranks' gradients are averaged
        return new ObjectiveOutput(loss, stats);
    }

    /// <summary>This rank's rows of a mask over the global batch (the whole mask for one process).</summary>
    Tensor Own(Tensor globalMask)
    {
        if (_world.Size == 1) return globalMask;
        long rows = globalMask.shape[0] / _world.Size;
        return globalMask.narrow(0, _world.Rank * rows, rows);
    }

    /// <summary>
    /// A micro-batch's share of the step's masked mean: Σ(loss · mask) / kept · A · N, which the trainer divides by A and the
    /// gradient average by the N ranks. Statistics
    /// describe the whole step, as they would for one batch of A·B.
    /// </summary>
    ObjectiveOutput ReducePrepared(StepSelection p, Tensor tokenLosses, int micro, bool withStats)
    {
        var mask = p.MicroMasks[micro];
        using var share = (p.MicroMasks.Length * _world.Size).ToScalar(); // held for the call (HeldScalars.cs)
        var loss = ((tokenLosses * mask).sum() / p.Mask.sum().clamp_min(HeldScalars.OneDouble)).mul(share);
        var stats = new Dictionary<string, Tensor>();
        if (withStats)
        {
            if (p.RefLosses is not null)
                ReferenceStats(stats, p.Losses, p.RefLosses);
            SelectionStats(stats, p.Losses, p.Mask);
        }
        return new ObjectiveOutput(loss, stats);
    }

    /// <summary>
    /// The kept share and the mean loss of kept and left-out tokens, over the global batch. Soft weights count a token as
    /// selected at weight 0.5 or more (the top k% by construction) and log their mean apart, as mean_weight.
    /// </summary>
    void SelectionStats(Dictionary<string, Tensor> stats, Tensor losses, Tensor mask)
    {
        if (_config.Soft)
        {
            stats["selected_fraction"] = mask.ge(HeldScalars.Half).to(ScalarType.Float32).mean();
            stats["mean_weight"] = mask.mean();
        }
        else
            stats["selected_fraction"] = mask.mean();
        stats["loss_selected"] = TokenSelector.MaskedMean(losses, mask);
        stats["loss_unselected"] = TokenSelector.MaskedMean(losses, mask.neg().add_(HeldScalars.One)); // 1 − mask
    }

    void ReferenceStats(Dictionary<string, Tensor> stats, Tensor trainLosses, Tensor refLosses)
    {
        if (_refreshing is { Refreshes: > 0 })
            stats["ref_refresh_loss"] = torch.tensor(_refreshing.LastRefreshLoss);
        var excess = ExcessLoss.Of(trainLosses, refLosses).reshape(-1);
        stats["ref_loss"] = refLosses.mean();
        var q = torch.quantile(excess, torch.tensor(new[] { 0.1, 0.5, 0.9 }, dtype: excess.dtype, device: excess.device));
        (stats["excess_p10"], stats["excess_p50"], stats["excess_p90"]) = (q[0], q[1], q[2]);
    }

    /// <summary>Each token's weight in the loss at ratio <paramref name="ratio"/>: 0 or 1 (hard selection, a mask) or in (0, 1) (soft).</summary>
    Tensor Weights(Tensor scores, double ratio)
    {
        if (!_config.Soft)
            return _select == SelectMode.Global ? GlobalWeights(scores, ratio, t => TokenSelector.AboveThreshold(scores, t)) : TokenSelector.Select(_select, scores, ratio);
        var t = _config.Temperature;
        return _select switch
        {
            SelectMode.Batch => SoftSelection.Weights(scores, TokenSelector.Cutoff(scores, ratio), t),
            SelectMode.Sequence => SoftSelection.Weights(scores, SoftSelection.RowCutoffs(scores, ratio), t),
            _ => GlobalWeights(scores, ratio, threshold => SoftSelection.Weights(scores, threshold, t)),
        };
    }

    /// <summary>The weights around the running threshold (initialised from the first batch's cutoff), which then follows this batch's cutoff.</summary>
    Tensor GlobalWeights(Tensor scores, double ratio, Func<Tensor, Tensor> weightsAt)
    {
        var cutoff = TokenSelector.Cutoff(scores, ratio);
        _threshold ??= cutoff.detach().clone().DetachFromDisposeScope();
        var weights = weightsAt(_threshold);
        var updated = RunningThreshold.Next(_threshold, cutoff, _config.GlobalMomentum).DetachFromDisposeScope();
        _threshold.Dispose();
        _threshold = updated;
        return weights;
    }

    ulong RandomSeed(int step, int micro) => unchecked((ulong)_seed * 0x9E3779B97F4A7C15UL ^ (ulong)step * 0xBF58476D1CE4E5B9UL ^ (ulong)micro);

    public (TokenDataset Data, string Split)? TrainsOwnModelOn => _refreshing is { } e ? (e.Data, RefreshingReference.TrainsOnSplit) : null;

    public double ExtraFlopsPerToken => _reference?.FlopsPerToken ?? 0;

    public JsonObject Describe()
    {
        var d = new JsonObject
        {
            ["objective"] = _config.SelectsAny ? "slm" : "clm",
            ["ratio"] = _config.Ratio, ["select"] = _config.Select, ["score"] = _config.Score, ["slm_start"] = _config.SlmStart,
        };
        // Only when they are not the paper's, so that summaries of hard, constant-ratio runs read as before.
        if (_config.Soft) (d["weighting"], d["temperature"]) = ("soft", _config.Temperature);
        if (_config.ScheduleKind != RatioScheduleKind.Constant) (d["ratio_schedule"], d["ratio_start"]) = (_config.RatioSchedule, _config.RatioStart);
        if (_reference != null)
            foreach (var (k, v) in _reference.Describe()) d[k] = v?.DeepClone();
        return d;
    }

    public JsonNode? SaveState()
    {
        if (_threshold is null && _refreshing is null) return null;
        var state = new JsonObject();
        if (_threshold is not null) state["threshold"] = _threshold.to(ScalarType.Float64).item<double>();
        if (_refreshing is not null) state["reference"] = _refreshing.SaveState();
        return state;
    }

    public void LoadState(JsonNode? state)
    {
        if (state?["threshold"] is JsonValue v)
        {
            _threshold?.Dispose();
            _threshold = torch.tensor(v.GetValue<double>(), dtype: ScalarType.Float32).DetachFromDisposeScope();
        }
    }

    public IEnumerable<(string Name, Tensor Tensor)> StateTensors() => _refreshing?.StateTensors() ?? [];

    public void LoadState(JsonNode? state, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        LoadState(state);
        if (_refreshing is null) return;
        if (state?["reference"] is not JsonObject reference)
            throw new UserErrorException($"checkpoint {source} holds no refreshed reference: it was written without selection.ref_refresh_every, so this run cannot continue it with one");
        _refreshing.LoadState(reference, tensors, source);
    }

    public void Dispose()
    {
        _threshold?.Dispose();
        _reference?.Dispose();
    }
}

// One training run as set up: config, device, data, model, optimizer, objective, collectives and run directory,
// fixed once it starts (what changes per step is its StepProgress). Set-up does the checks that may refuse the run
// (all before the run directory is touched, so a refused run creates, overwrites and deletes nothing), the resume,
// then the run directory, logs and metrics. The loop itself is Trainer's.
using Rho1.Data.Batches;
using Rho1.Data.Reading;
using Rho1.Data.Sampling;
using Rho1.Distributed;
using Rho1.IO;
using Rho1.Model;
using Rho1.Model.Storage;
using Rho1.Platform;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;
using Rho1.Optimization;
using Rho1.Training.Runs;
using Serilog;
using TorchSharp;
using static TorchSharp.torch;
using Rho1.Data.Tokenizers;
using Rho1.Evaluation.Tasks;

namespace Rho1.Training;

public sealed class TrainingRun : IDisposable
{
    readonly List<IDisposable> _owned = [];

    public required TrainOptions Options { get; init; }
    public required RunConfig Config { get; init; }
    public required Device Device { get; init; }
    public required TokenDataset Dataset { get; init; }
    public required RunDirectory Directory { get; init; }
    public required Transformer Model { get; init; }
    public required IOptimizer Optimizer { get; init; }
    public required BatchLoader Loader { get; init; }
    public required ITrainingObjective Objective { get; init; }
    /// <summary>The job's collectives (one process: SingleProcess); only rank 0 writes the run directory.</summary>
    public required ICollectives World { get; init; }
    public bool IsMain => World.Rank == 0;
    /// <summary>Held-out split evaluated during training; null = no evaluation.</summary>
    public TokenSplit? ValSplit { get; init; }
    /// <summary>The dataset directory ValSplit belongs to.</summary>
    public string ValSource { get; init; } = "";
    public double BytesPerToken { get; init; }
    /// <summary>Downstream tasks evaluated with the held-out loss (--eval-task), read and checked before the run starts.</summary>
    public IReadOnlyList<EvalTask> Tasks { get; init; } = [];
    /// <summary>The training data's tokenizer, which Tasks are encoded with; null without tasks.</summary>
    public ITextTokenizer? TaskTokenizer { get; init; }
    /// <summary>The model this run started from (--init), absolute; null for random weights.</summary>
    public string? InitFrom { get; init; }
    /// <summary>The --init model records no tokenizer (a Hugging Face model without rho1.json): only the vocabulary size was checked.</summary>
    public bool InitTokenizerUnknown { get; init; }
    /// <summary>train.precision as given (fp32, bf16 or auto); Config holds the concrete one.</summary>
    public string RequestedPrecision { get; init; } = "fp32";
    /// <summary>Checkpoint the run resumed from; null for a fresh run.</summary>
    public string? ResumedFrom { get; init; }
    /// <summary>Step the run resumed at (0 for a fresh run).</summary>
    public int ResumedAt { get; init; }
    /// <summary>Both train.log and the console.</summary>
    public ILogger Log { get; private set; } = Serilog.Log.Logger;
    /// <summary>Per-log-step lines: the console too unless a progress bar shows them; always train.log.</summary>
    public ILogger StepLog { get; private set; } = Serilog.Log.Logger;
    public MetricsLog Metrics { get; private set; } = null!;
    public long Parameters { get; private set; }
    public double FlopsPerToken { get; private set; }
    public double PeakGflops { get; private set; }

    /// <summary>Whether the skip decision stays on the device (see TrainOptions.DeviceSideSkip).</summary>
    public bool DeviceSideSkip { get; init; }
    public double PriorWallSeconds { get; init; }

    /// <summary>Everything that changes as the run trains.</summary>
    public StepProgress Progress { get; } = new();

    /// <summary>Settings changed on resumes (this one's included), recorded in config.json and every checkpoint.</summary>
    public IReadOnlyList<ConfigChange> ConfigHistory { get; init; } = [];

    public long TokensPerStep => (long)Config.Train.BatchSize * Config.Train.SeqLen * Config.Train.GradAccum;
    public double WallSeconds => PriorWallSeconds + Progress.Wall.Elapsed.TotalSeconds;

    TrainingRun() { }

    /// <summary>Checks, resumes and creates the run; throws UserErrorException before touching the disk if it cannot start.</summary>
    public static TrainingRun Open(TrainOptions o, Func<TrainingSetup, ITrainingObjective> objectiveFactory)
    {
        var owned = new List<IDisposable>();
        try
        {
            var run = Prepare(o, objectiveFactory, owned);
            run._owned.AddRange(owned);
            if (o.World.Size > 1)
            {
                DataParallelChecks.RequireSameRun(o.World, run);
                o.World.Barrier(); // every rank has read the run directory before rank 0 creates or replaces it
            }
            run.Start();
            return run;
        }
        catch
        {
            for (int i = owned.Count - 1; i >= 0; i--) owned[i].Dispose();
            throw;
        }
    }

    static TrainingRun Prepare(TrainOptions o, Func<TrainingSetup, ITrainingObjective> objectiveFactory, List<IDisposable> owned)
    {
        var device = DeviceSpec.Resolve(o.Device, o.LocalRank, o.LocalSize);
        var dataset = Own(owned, TokenDataset.OpenVerified(o.DataDir));
        var tasks = o.EvalTasks.Count == 0 ? [] : TaskRun.Load(o.EvalTasks, null, o.EvalTaskLimit, o.EvalTaskSettings.FewShot, o.EvalTaskSettings.Layout);
        var dir = RunDirectory.Plan(o.OutDir, o.Resume, o.Force);
        // A continual run's shape is its model's: from --init (on a resume too, where it must then be the checkpoint's, checked
        // below), or, resuming without --init, from the checkpoint of a run that started from one.
        string? initFrom = o.Init != null ? Path.GetFullPath(CheckpointSearch.Resolve(o.Init)) : null;
        var continued = initFrom is null && dir.ResumeFrom != null ? Checkpoint.ReadState(dir.ResumeFrom) : null;
        bool initTokenizerUnknown = false;
        var config = RunCompatibility.ResolveVocabulary(initFrom != null ? ContinualShape.FromInit(o, initFrom, dataset, out initTokenizerUnknown)
            : continued?.InitFrom is { } startedFrom ? ContinualShape.FromModel(o, continued.Config.Model, $"checkpoint {dir.ResumeFrom} (started from --init {startedFrom})")
            : o.Config, dataset);
        config.Validate();
        string requestedPrecision = config.Train.Precision;
        config = config with { Train = config.Train with { Precision = ComputePrecision.Resolve(requestedPrecision, device.type == DeviceType.CUDA,
            CpuFeatures.HasNativeBf16(CpuFeatures.CpuFlags)) } };
        var t = config.Train;
        DataParallelChecks.RequireDivisible(t, o.World.Size);
        LoadedCheckpoint? resumed = dir.ResumeFrom is null ? null : Checkpoint.Load(dir.ResumeFrom);
        if (resumed != null)
        {
            RunCompatibility.CheckResumable(resumed.State, dataset, resumed.Path);
            if (initFrom != null)
                RunCompatibility.RequireSameInit(resumed.State, o.Init!, config.Model, resumed.Path);
        }
        var evalData = o.EvalDataDir is null ? null : Own(owned, TokenDataset.OpenVerified(o.EvalDataDir));
        if (evalData != null)
            TokenizerMatch.Require($"--eval-data {o.EvalDataDir}", evalData.Meta.Tokenizer, evalData.Meta.VocabSize, dataset);
        var objective = objectiveFactory(new TrainingSetup(config, device, dataset, o.World));
        if (objective is IDisposable disposable) owned.Add(disposable);
        var history = new List<ConfigChange>();
        if (resumed != null)
        {
            UnknownKeys(o.AllowChange, config);
            history.AddRange(resumed.State.ConfigChanges);
            history.AddRange(ResumeCheck.Check(resumed.State, config, objective.Describe(), o.AllowChange, resumed.Path));
        }
        var (valSplit, bytesPerToken) = RunCompatibility.EvaluationSplit(evalData ?? dataset, t.SeqLen, evalData != null);
        if (valSplit != null && objective.TrainsOwnModelOn is var (ownData, ownSplit))
            RunCompatibility.RequireHeldOut(evalData ?? dataset, valSplit, ownData, ownSplit, o.AllowEvalOverlap);

        if (tasks.Any(task => task.Layout.Kind == TaskKind.Generation))
            GreedyGenerator.Limit(o.EvalTaskSettings.MaxGenTokens, LikelihoodScorer.MaxInput(config.Model));
        AttentionBackend.Configure(device, t.Tf32);
        var model = Own(owned, new Transformer(config.Model, t.Seed));
        model.to(device);
        model.ComputeType = t.ComputeType;
        model.LossChunkTokens = device.type == DeviceType.CUDA ? LossChunkChoice.ForDevice(config, o.World.Size, Math.Max(0, (int)device.index)) : t.LossChunkTokens;
        model.VocabularyPadding = device.type == DeviceType.CUDA ? 128 : 1; // tensor-core tiles (docs/performance.md, "The head's vocabulary padded")
        model.ActivationCheckpointing = t.ActivationCheckpointing;
        // Weights first (the optimizer's masters are taken from them), then the optimizer, then its state.
        if (initFrom != null && resumed is null)
            ModelLoader.LoadWeightsFrom(initFrom, model);
        if (resumed != null)
            ModelLoader.LoadWeights(model, resumed.Model, resumed.Path);
        IOptimizer optimizer = Own<IOptimizer>(owned, RunOptimizer.Create(model, t, o.World));
        var loader = new BatchLoader(dataset.Split("train"), t.BatchSize, t.SeqLen, t.Seed, device, o.World.Rank, o.World.Size);
        var run = new TrainingRun
        {
            Options = o, Config = config, RequestedPrecision = requestedPrecision, Device = device, World = o.World,
            DeviceSideSkip = o.DeviceSideSkip ?? device.type == DeviceType.CUDA,
            Dataset = dataset, Loader = loader, ValSplit = valSplit, ValSource = (evalData ?? dataset).Directory, BytesPerToken = bytesPerToken,
            Tasks = tasks, TaskTokenizer = tasks.Count == 0 ? null : TokenizerFactory.ForDataset(dataset.Directory),
            Model = model, Optimizer = optimizer, Objective = objective,
            InitFrom = resumed is null ? initFrom : resumed.State.InitFrom, InitTokenizerUnknown = initTokenizerUnknown,
            Directory = dir, ResumedFrom = resumed?.Path, ResumedAt = resumed?.State.Step ?? 0, PriorWallSeconds = resumed?.State.WallSeconds ?? 0,
            ConfigHistory = history,
        };
        (run.Progress.CheckpointedStep, run.Progress.LastCheckpoint) = (resumed?.State.Step ?? -1, resumed?.Path);
        if (resumed != null)
        {
            if (resumed.OptimizerParts.Count > 0)
                optimizer.LoadParts(resumed.OptimizerParts.Select(Checkpoint.ReadPart), resumed.State.OptimizerStep); // a sharded run's, at any world size
            else
                optimizer.LoadState(resumed.Optimizer, resumed.State.OptimizerStep);
            loader.Sampler.Restore(new SamplerCursor(resumed.State.SamplerEpoch, resumed.State.SamplerPosition));
            objective.LoadState(resumed.State.Objective, resumed.Objective, resumed.Path);
            (run.Progress.Step, run.Progress.Tokens) = (resumed.State.Step, resumed.State.TokensSeen);
            foreach (var tensor in resumed.AllTensors) tensor.Dispose();
        }
        return run;
    }

    static void UnknownKeys(IReadOnlyList<string> allowChange, RunConfig config)
    {
        var known = ResumeCheck.Flatten(config).Keys.Concat(["objective.reference", "objective.ref_scores", "objective.reference_mode", "objective.ref_data"]).ToHashSet();
        if (allowChange.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
            throw new UserErrorException($"--allow-change {unknown}: not a setting (e.g. train.lr, selection.ratio, objective.reference)");
    }

    static T Own<T>(List<IDisposable> owned, T item) where T : IDisposable
    {
        owned.Add(item);
        return item;
    }

    /// <summary>From here on the run directory exists: logs, config.json, the throughput peak, metrics.</summary>
    void Start()
    {
        var t = Config.Train;
        World.Watch(TimeSpan.FromSeconds(t.CollectiveTimeoutS), () => $"step {Progress.Step + 1}");
        Parameters = Model.ParameterCount;
        FlopsPerToken = FlopCounter.TrainFlopsPerToken(Config.Model, Parameters, t.SeqLen) + Objective.ExtraFlopsPerToken;
        if (!IsMain)
        {
            // Other ranks write nothing: their warnings and errors still reach the console (the launcher's output).
            Log = StepLog = new LoggerConfiguration().MinimumLevel.Warning().WriteTo.Logger(Serilog.Log.Logger).CreateLogger();
            Progress.Wall.Start();
            Progress.Window.Start();
            return;
        }
        Directory.Create();
        var fileLog = new LoggerConfiguration().MinimumLevel.Debug()
            .WriteTo.File(Path.Combine(Directory.Dir, "train.log"), outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
        _owned.Add(fileLog);
        var log = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Logger(Serilog.Log.Logger).WriteTo.Logger(fileLog).CreateLogger();
        _owned.Add(log);
        (Log, StepLog) = (log, Options.StepLinesOnConsole ? log : fileLog);
        foreach (string damaged in Directory.Skipped)
            Log.Warning("skipping checkpoint {Damaged}", damaged);
        if (ResumedFrom != null)
            Log.Information("resumed from {Checkpoint} at step {Step}", ResumedFrom, Progress.Step);
        else if (InitFrom != null)
            Log.Information("initialised from {Init} (its weights; optimizer state fresh)", InitFrom);
        if (InitTokenizerUnknown && ResumedFrom is null)
            Log.Warning("--init {Init} records no tokenizer (no rho1.json): make sure {Data} was prepared with the model's own tokenizer", InitFrom, Dataset.Directory);
        if (t.WarmupSteps >= t.Steps)
            Log.Warning("train.warmup_steps={Warmup} is not below train.steps={Steps}: the learning rate only warms up and the run ends at " +
                "{Percent:0}% of its peak, without decaying; lower train.warmup_steps or raise train.steps", t.WarmupSteps, t.Steps,
                100 * LrSchedule.At(t.Steps - 1, t) / t.Lr);
        if (ValSplit is null)
            Log.Warning("{Data} has no val split of more than {T} tokens: no evaluation", Dataset.Directory, t.SeqLen);
        else
            Log.Information("evaluation: {Split} split of {Data} ({Tokens:N0} tokens){Fallback}", ValSplit.Name, ValSource, ValSplit.Meta.Tokens,
                ValSplit.Name == "val" ? "" : " (it has no val split)");
        AtomicFile.WriteAllText(Path.Combine(Directory.Dir, "config.json"), ConfigLoader.ToJson(Config, ConfigHistory));
        PeakGflops = t.PeakGflops > 0 ? t.PeakGflops
            : Device.type == DeviceType.CUDA ? MatmulThroughput.Measure(Device, Model.ComputeType, n: 8192, repeats: 3)
            : MatmulThroughput.MeasureWithin(Device, Model.ComputeType, TimeSpan.FromSeconds(2), maxN: 1024);
        PeakGflops *= World.Size; // MFU is the whole job's: every rank is taken to be this one's equal
        LogPrecision();
        Log.Information("model {Params:N0} parameters, {Flops:G3} FLOP/token, peak {Peak:F0} GFLOP/s ({Precision}) on {Device}",
            Parameters, FlopsPerToken, PeakGflops, t.Precision, DeviceSpec.Name(Device));
        StartBanner.Log(this);
        Metrics = new MetricsLog(Directory.Dir, Progress.Step, Options.TensorBoard);
        _owned.Add(Metrics);
        Progress.Wall.Start();
        Progress.Window.Start();
    }

    /// <summary>Says how "auto" was decided, and warns about bf16 asked for on a CPU that only emulates it.</summary>
    void LogPrecision()
    {
        string precision = Config.Train.Precision, flags = CpuFeatures.Bf16Summary(CpuFeatures.CpuFlags);
        if (RequestedPrecision == "auto")
            Log.Information("precision auto: {Precision} ({Why})", precision, Device.type == DeviceType.CUDA ? "CUDA" : $"this CPU has {flags}");
        else if (precision == "bf16" && Device.type == DeviceType.CPU && !CpuFeatures.HasNativeBf16(CpuFeatures.CpuFlags))
        {
            double fp32 = MatmulThroughput.MeasureWithin(Device, ScalarType.Float32, TimeSpan.FromSeconds(1), maxN: 1024);
            double bf16 = Config.Train.PeakGflops > 0 ? MatmulThroughput.MeasureWithin(Device, ScalarType.BFloat16, TimeSpan.FromSeconds(1), maxN: 1024) : PeakGflops;
            Log.Warning("bf16 on a CPU without native bf16 ({Flags}): matmuls measured {Bf16:F1} GFLOP/s against {Fp32:F1} in fp32 ({Ratio:F0}x slower); " +
                "train.precision=auto or fp32 would be faster", flags, bf16, fp32, fp32 / Math.Max(bf16, 1e-9));
        }
    }

    /// <summary>What a checkpoint written now must hold besides tensors.</summary>
    public TrainerState State()
    {
        var cursor = Loader.Sampler.Cursor;
        return new TrainerState
        {
            Step = Progress.Step, TokensSeen = Progress.Tokens, SamplerEpoch = cursor.Epoch, SamplerPosition = cursor.Position,
            OptimizerStep = Optimizer.Step, Objective = Objective.SaveState(), Config = Config,
            Tokenizer = Dataset.Meta.Tokenizer, VocabSize = Dataset.Meta.VocabSize, EosId = Dataset.Meta.EosId,
            DatasetFingerprint = Dataset.Fingerprint, DataDir = Path.GetFullPath(Options.DataDir), WallSeconds = WallSeconds,
            ObjectiveDescription = Objective.Describe(), ConfigChanges = [.. ConfigHistory], InitFrom = InitFrom,
        };
    }

    public void Dispose()
    {
        Progress.Dispose();
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
    }
}

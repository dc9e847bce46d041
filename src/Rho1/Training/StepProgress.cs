// What changes while a run trains: the step and token counts, the non-finite-step counters, the newest checkpoint,
// and the clocks and tallies behind the logged tokens/s. Everything else about a run is fixed once it has started
// (TrainingRun); the loop (Trainer) is the only writer.
using System.Diagnostics;
using static TorchSharp.torch;

namespace Rho1.Training;

public sealed class StepProgress : IDisposable
{
    /// <summary>Optimizer steps completed.</summary>
    public int Step { get; set; }
    public long Tokens { get; set; }
    /// <summary>Consecutive steps whose update was skipped as non-finite.</summary>
    public int BadSteps { get; set; }
    /// <summary>Updates skipped since the last logged step.</summary>
    public int SkippedSinceLog { get; set; }
    public string? LastCheckpoint { get; set; }
    /// <summary>Step of LastCheckpoint (the resumed step for the checkpoint a run resumed from).</summary>
    public int CheckpointedStep { get; set; }
    /// <summary>Device-side skip only: consecutive non-finite steps and non-finite steps since the last log, int64, 0-dim.</summary>
    public Tensor? BadRunOnDevice { get; set; }
    public Tensor? SkippedOnDevice { get; set; }
    public double LastLoss { get; set; } = double.NaN;
    public double TokensPerSecond { get; set; }
    /// <summary>Seconds spent averaging gradients over ranks since the last logged step.</summary>
    public double AllReduceSeconds { get; set; }
    /// <summary>Since this process started training.</summary>
    public Stopwatch Wall { get; } = new();
    /// <summary>Time and tokens since the last logged step, for tokens/s.</summary>
    public Stopwatch Window { get; } = new();
    public long WindowTokens { get; set; }

    /// <summary>Time left until step <paramref name="steps"/> at this process's pace since it resumed at <paramref name="resumedAt"/>.</summary>
    public TimeSpan Eta(int steps, int resumedAt) =>
        TimeSpan.FromSeconds(Wall.Elapsed.TotalSeconds / Math.Max(1, Step - resumedAt) * Math.Max(0, steps - Step));

    /// <summary>"mm:ss", or "h:mm:ss" from an hour on: elapsed time and ETAs in logs and progress bars.</summary>
    public static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}" : $"{t.Minutes:D2}:{t.Seconds:D2}";

    public void Dispose()
    {
        BadRunOnDevice?.Dispose();
        SkippedOnDevice?.Dispose();
    }
}

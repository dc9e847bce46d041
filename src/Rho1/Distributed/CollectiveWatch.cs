// Waiting for a collective that may never complete. NCCL queues its work and returns, so a rank whose peer died
// would otherwise spin in an NCCL kernel forever: the caller polls for completion here, asking between polls for
// an asynchronous error, and gives up after train.collective_timeout_s, naming the collective and the step, so that
// the job can be ended (docs/distributed.md, "Failures"). The clock and the pause are injectable for tests.
using System.Diagnostics;

namespace Rho1.Distributed;

public sealed class CollectiveWatch
{
    readonly Func<TimeSpan> _clock;
    readonly Action<TimeSpan> _pause;

    /// <summary>How long one collective may take before this rank gives up; zero: wait for ever.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(600);

    /// <summary>
    /// How long to poll without pausing before backing off (zero: back off from the first poll). MPI needs it: its
    /// non-blocking collectives advance only while MPI_Test is called, so a pause between polls is added latency.
    /// </summary>
    public TimeSpan SpinFor { get; init; }

    /// <summary>Where the job is, for the report ("step 12"); empty before anyone says.</summary>
    public Func<string> Where { get; set; } = () => "";

    public CollectiveWatch(Func<TimeSpan>? clock = null, Action<TimeSpan>? pause = null)
    {
        var watch = Stopwatch.StartNew();
        _clock = clock ?? (() => watch.Elapsed);
        _pause = pause ?? Thread.Sleep;
    }

    /// <summary>
    /// No deadline until the result is disposed: for a barrier where the other ranks wait while one works alone (a checkpoint,
    /// an uneven share of an evaluation), which may take longer than any collective should. A rank that dies meanwhile is
    /// ended by the launcher (or NCCL's asynchronous error); one that is stopped is not caught there.
    /// </summary>
    public IDisposable Unbounded() => new UnboundedWait(this).Start();

    /// <summary>
    /// Returns once <paramref name="done"/> says so; throws CollectiveFailedException as soon as <paramref name="asyncError"/>
    /// reports an error (null: none), or when Timeout has passed. <paramref name="stalled"/>, asked then, says which ranks
    /// are missing (e.g. from a roll call); null: "another rank failed or stalls".
    /// </summary>
    public void Wait(string collective, Func<bool> done, Func<string?> asyncError, Func<string>? stalled = null)
    {
        var start = _clock();
        var pause = TimeSpan.Zero;
        string Where() => this.Where() is { Length: > 0 } w ? $" at {w}" : "";
        while (!done())
        {
            if (asyncError() is { } error)
                throw new CollectiveFailedException($"{collective}{Where()} failed: {error}; ending the job");
            var waited = _clock() - start;
            if (Timeout > TimeSpan.Zero && waited > Timeout)
                throw new CollectiveFailedException($"{collective}{Where()} did not complete within {Timeout.TotalSeconds:0} s " +
                    $"(train.collective_timeout_s): {stalled?.Invoke() ?? "another rank failed or stalls"}; ending the job");
            if (waited < SpinFor)
            {
                Thread.Yield(); // MPI progresses only inside its calls: poll at once, giving the core to any other runnable thread
                continue;
            }
            _pause(pause);
            // A busy GPU finishes most collectives within microseconds of the first poll; a stalled one is polled at 10 ms.
            pause = TimeSpan.FromMilliseconds(Math.Min(10, Math.Max(0.05, pause.TotalMilliseconds * 2)));
        }
    }
}

/// <summary>A collective that failed or never completed; the job must end (every rank: exit non-zero).</summary>
public sealed class CollectiveFailedException(string message) : Exception(message);

// Ctrl-C (SIGINT) and SIGTERM as a polite request: the first cancels the token, so that a training step, a score
// batch or a prepare finishes and leaves resumable state; a second one exits at once with 130.
using System.Runtime.InteropServices;

namespace Rho1.Cli;

public sealed class InterruptSignals : IDisposable
{
    readonly CancellationTokenSource _source = new();
    readonly PosixSignalRegistration? _int, _term;
    int _count;

    public InterruptSignals()
    {
        // SIGINT through PosixSignalRegistration rather than Console.CancelKeyPress: the latter sets the terminal up for
        // key input, writing "ESC[?1h ESC=" to standard output, which under mpirun (a pseudo-terminal) lands in redirected output.
        if (OperatingSystem.IsWindows())
            Console.CancelKeyPress += OnCancelKeyPress;
        else
        {
            _int = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        }
    }

    void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // do not let the runtime exit now: the token asks the work to stop
        Signal();
    }

    public CancellationToken Token => _source.Token;

    void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        Signal();
    }

    void Signal()
    {
        if (Interlocked.Increment(ref _count) > 1)
        {
            Console.Error.WriteLine("rho1: interrupted again; exiting without saving");
            Environment.Exit(ExitCodes.Interrupted);
        }
        // Worded for every verb and moment: a signal may come before any step (a launcher ending a refused job's ranks).
        Console.Error.WriteLine("rho1: stopping at the next point that leaves resumable state (interrupt again to exit at once)");
        _source.Cancel();
    }

    public void Dispose()
    {
        if (OperatingSystem.IsWindows())
            Console.CancelKeyPress -= OnCancelKeyPress;
        _int?.Dispose();
        _term?.Dispose();
        _source.Dispose();
    }
}

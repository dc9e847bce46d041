// Ctrl-C (SIGINT) and SIGTERM as a polite request: the first cancels the token, so that a training step, a score
// batch or a prepare finishes and leaves resumable state; a second one exits at once with 130.
using System.Runtime.InteropServices;

namespace Rho1.Cli;

public sealed class InterruptSignals : IDisposable
{
    readonly CancellationTokenSource _source = new();
    readonly PosixSignalRegistration? _term;
    int _count;

    public InterruptSignals()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        if (!OperatingSystem.IsWindows())
            _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true; // do not let the runtime exit now: the token asks the work to stop
                Signal();
            });
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
        Console.Error.WriteLine("rho1: stopping after the current step (interrupt again to exit at once)");
        _source.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _term?.Dispose();
        _source.Dispose();
    }
}

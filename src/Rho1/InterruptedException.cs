// A run stopped at the user's request (Ctrl-C, SIGTERM) after leaving its work resumable: the CLI prints the
// message as one line and exits 130. The message says where it stopped and how to continue.
namespace Rho1;

public sealed class InterruptedException : Exception
{
    public InterruptedException(string message) : base(message) { }
    public InterruptedException(string message, Exception inner) : base(message, inner) { }
}

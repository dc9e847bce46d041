// The one exception type for bad input or bad usage: the CLI prints its message as one line and exits 2.
// Its message says what is wrong, where (file, line, key or value) and, where useful, what to do.

namespace Rho1;

public sealed class UserErrorException : Exception
{
    public UserErrorException(string message) : base(message) { }
    public UserErrorException(string message, Exception inner) : base(message, inner) { }
}

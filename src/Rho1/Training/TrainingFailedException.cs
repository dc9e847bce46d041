// A run that cannot continue for a reason found while running (e.g. repeated non-finite losses): exit 1.

namespace Rho1.Training;

public sealed class TrainingFailedException : Exception
{
    public TrainingFailedException(string message) : base(message) { }
    public TrainingFailedException(string message, Exception inner) : base(message, inner) { }
}

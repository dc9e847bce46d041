// One SIGKILL of a KillLoop attempt, as the kill/resume tests report it.

namespace Rho1.Cli.Tests.Reliability;

/// <summary>What one kill hit: how it was triggered, when, what the killed process left on disk, and whether it cut a write short.</summary>
public sealed record KillEvent(int Attempt, string Trigger, double Seconds, string LeftBehind, bool MidWrite);

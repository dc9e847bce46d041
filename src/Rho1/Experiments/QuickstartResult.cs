// What `rho1 quickstart` found: one row per run on the noisy corpus, evaluated on clean held-out text.

namespace Rho1.Experiments;

public sealed record QuickstartResult(IReadOnlyList<QuickstartRow> Rows, int Steps, string OutDir, double WallSeconds);

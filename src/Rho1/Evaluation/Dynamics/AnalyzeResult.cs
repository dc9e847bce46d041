// What `rho1 analyze` found: the share of held-out tokens in each trajectory category.

namespace Rho1.Evaluation.Dynamics;

public sealed record AnalyzeResult(IReadOnlyDictionary<string, double> Shares, long Tokens, IReadOnlyList<string> Checkpoints);

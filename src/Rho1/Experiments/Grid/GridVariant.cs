// One named selection variant of a sweep grid: the selection.* overrides its cells train with.
namespace Rho1.Experiments.Grid;

/// <param name="Name">Part of the cell's directory name: lower-case letters, digits, '-' and '_'.</param>
/// <param name="Overrides">"selection.key=value" assignments, applied after the grid's own "set".</param>
public sealed record GridVariant(string Name, IReadOnlyList<string> Overrides);

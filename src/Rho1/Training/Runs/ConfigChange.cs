// One setting changed when a run was resumed: from which step the new value holds. Kept in every checkpoint
// and in the run's config.json, so a resumed run never hides the settings its earlier steps used.
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Rho1.Training.Runs;

/// <param name="Step">The first step trained with <paramref name="To"/> (the step the run resumed at, plus one).</param>
public sealed record ConfigChange(
    [property: JsonPropertyName("from_step")] int Step,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("from")] JsonNode? From,
    [property: JsonPropertyName("to")] JsonNode? To);

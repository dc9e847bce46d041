// What `rho1 sample` is asked to do.

namespace Rho1.Evaluation;

/// <param name="Model">Checkpoint or run directory.</param>
/// <param name="Prompt">Text to continue.</param>
/// <param name="MaxTokens">Tokens to generate at most (>= 0).</param>
/// <param name="Temperature">Sampling temperature; 0 = greedy.</param>
/// <param name="TopK">Sample among the k likeliest tokens; 0 = all.</param>
/// <param name="DataDir">Dataset whose tokenizer to use; null = the one the model was trained on.</param>
public sealed record SampleOptions(string Model, string Prompt = "", int MaxTokens = 200, double Temperature = 0.8, int TopK = 50, long Seed = 1234,
    string Device = "auto", string? DataDir = null);

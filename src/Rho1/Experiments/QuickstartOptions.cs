// What `rho1 quickstart` is asked to do.

namespace Rho1.Experiments;

/// <param name="OutDir">Where corpora, datasets and runs go; an earlier quickstart there is replaced only with Force.</param>
/// <param name="ConfigPath">Model/training preset file for all three models (tiny by default).</param>
/// <param name="Overrides">--set overrides, applied after quickstart's own defaults.</param>
/// <param name="NoiseShare">Share of the noisy corpus's characters that are noise, in [0, 1).</param>
/// <param name="Force">Replace an earlier quickstart in OutDir (it stays until the new one is complete).</param>
public sealed record QuickstartOptions(string OutDir, string ConfigPath, IReadOnlyList<string> Overrides, string Device = "auto", long Seed = 1234,
    double NoiseShare = 0.35, bool Force = false);

// The compute precisions a model runs in, by their config names: "fp32", or "bf16" (bf16 activations and
// matmuls over fp32 master weights). One parser, so no caller compares precision strings itself.
using static TorchSharp.torch;

namespace Rho1.Model;

public static class ComputePrecision
{
    public static readonly string[] Names = ["fp32", "bf16"];

    public static bool IsKnown(string name) => Names.Contains(name);

    /// <summary>The dtype of <paramref name="name"/>; throws ArgumentException for an unknown name (validate config first).</summary>
    public static ScalarType Parse(string name) => name switch
    {
        "fp32" => ScalarType.Float32,
        "bf16" => ScalarType.BFloat16,
        _ => throw new ArgumentException($"unknown precision '{name}' (expected fp32 or bf16)", nameof(name)),
    };
}

// The compute precisions a model runs in, by their config names: "fp32", "bf16" (bf16 activations and matmuls
// over fp32 master weights), or "auto", resolved once per run: bf16 on CUDA and on CPUs with native bf16
// (AVX512-BF16 or AMX), fp32 elsewhere. One parser, so no caller compares precision strings itself.
using static TorchSharp.torch;

namespace Rho1.Model;

public static class ComputePrecision
{
    public static readonly string[] Names = ["fp32", "bf16", "auto"];

    public static bool IsKnown(string name) => Names.Contains(name);

    /// <summary>"auto" made concrete for a device: bf16 on CUDA or with <paramref name="nativeCpuBf16"/>, else fp32; other names unchanged.</summary>
    public static string Resolve(string name, bool cuda, bool nativeCpuBf16) =>
        name == "auto" ? (cuda || nativeCpuBf16 ? "bf16" : "fp32") : name;

    /// <summary>The dtype of a concrete precision; throws ArgumentException for "auto" (resolve it first) or an unknown name.</summary>
    public static ScalarType Parse(string name) => name switch
    {
        "fp32" => ScalarType.Float32,
        "bf16" => ScalarType.BFloat16,
        _ => throw new ArgumentException($"precision '{name}' is not concrete (expected fp32 or bf16; resolve auto first)", nameof(name)),
    };
}

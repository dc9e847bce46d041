// Proves libtorch really loaded and computes known values: matmul, cross-entropy, causal attention.
using Rho1.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Platform;

public class TorchRuntimeTests
{
    [Fact]
    public void Libtorch_is_2_10_and_matmul_gives_the_known_product()
    {
        Assert.StartsWith("2.10", torch.__version__);
        var a = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
        var b = torch.tensor(new float[] { 7, 8, 9, 10, 11, 12 }, new long[] { 3, 2 });
        Assert.Equal(new float[] { 58, 64, 139, 154 }, a.matmul(b).data<float>().ToArray());
    }

    [Fact]
    public void Cross_entropy_of_uniform_logits_is_log_vocab()
    {
        var logits = torch.zeros(4, 7);
        var targets = torch.tensor(new long[] { 0, 3, 6, 2 });
        float loss = nn.functional.cross_entropy(logits, targets).item<float>();
        Assert.Equal(Math.Log(7), loss, 5);
    }

    [Fact]
    public void Causal_attention_matches_a_naive_masked_softmax()
    {
        torch.manual_seed(3);
        var q = torch.randn(1, 2, 5, 4);
        var k = torch.randn(1, 2, 5, 4);
        var v = torch.randn(1, 2, 5, 4);
        var fast = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(4);
        var mask = torch.ones(5, 5).triu(1).to(ScalarType.Bool);
        var naive = scores.masked_fill(mask, double.NegativeInfinity).softmax(-1).matmul(v);
        Assert.True(torch.allclose(fast, naive, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Device_cpu_resolves_and_cuda_without_cuda_is_a_user_error()
    {
        Assert.Equal(DeviceType.CPU, DeviceSpec.Resolve("cpu").type);
        Assert.Throws<UserErrorException>(() => DeviceSpec.Resolve("gpu"));
        Assert.Throws<UserErrorException>(() => DeviceSpec.Resolve("cuda:x"));
        if (!torch.cuda.is_available())
        {
            Assert.Equal(DeviceType.CPU, DeviceSpec.Resolve("auto").type);
            var e = Assert.Throws<UserErrorException>(() => DeviceSpec.Resolve("cuda"));
            Assert.Contains("CUDA is not available", e.Message);
        }
    }

    [Fact]
    public void Matmul_throughput_is_positive_and_finite()
    {
        double g = MatmulThroughput.Measure(torch.CPU, ScalarType.Float32, n: 128, repeats: 3);
        Assert.True(g > 0.1 && double.IsFinite(g), $"{g} GFLOP/s");
    }
}

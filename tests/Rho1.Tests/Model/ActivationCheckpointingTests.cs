// Activation checkpointing (train.activation_checkpointing) against keeping every block's activations: the same
// losses and every parameter's gradient, bit for bit on CPU fp32, alone and together with chunked losses.
using Rho1.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Model;

public class ActivationCheckpointingTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(7L)] // with chunked losses too: two custom functions in one graph
    public void Recomputing_each_block_in_backward_gives_the_same_losses_and_gradients(long chunk)
    {
        var config = new ModelConfig { VocabSize = 300, ContextLength = 32, Dim = 32, Layers = 3, Heads = 4, FfnDim = 64 };
        (float[] Losses, Dictionary<string, float[]> Grads) Run(bool checkpointing)
        {
            using var model = new Transformer(config, seed: 4) { ActivationCheckpointing = checkpointing, LossChunkTokens = chunk };
            var g = new Generator(6);
            var tokens = torch.randint(0, config.VocabSize, [2, 24], generator: g);
            var targets = torch.randint(0, config.VocabSize, [2, 24], generator: g);
            var losses = model.TokenLosses(tokens, targets);
            (losses * torch.rand([2, 24], generator: g)).sum().backward();
            return (losses.detach().data<float>().ToArray(), model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.data<float>().ToArray()));
        }
        var plain = Run(false);
        var recomputed = Run(true);
        Assert.Equal(plain.Losses, recomputed.Losses); // the same forward: bit for bit
        foreach (var (name, grad) in plain.Grads)
            Assert.True(grad.AsSpan().SequenceEqual(recomputed.Grads[name]), $"{name}: gradients differ");
        Assert.Equal(plain.Grads.Keys, recomputed.Grads.Keys);
    }
}

// Selection seen from the gradient: a token that is not selected gets exactly zero gradient, and a selected
// one gets its loss's gradient divided by the number selected (the mean over kept tokens), in every mode.
using Rho1.Tests.Fixtures;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Training.Objectives;

public class SelectionGradientTests
{
    [Theory]
    [InlineData("batch")]
    [InlineData("sequence")]
    [InlineData("global")]
    public void Unselected_tokens_get_exactly_zero_gradient(string select)
    {
        const int b = 3, t = 8, v = 5;
        var generator = new Generator(11);
        var logits = torch.randn(new long[] { b, t, v }, generator: generator).requires_grad_(); // (B, T, V) leaf
        var targets = torch.randint(0, v, new long[] { b, t }, generator: generator);
        var reference = torch.rand(new long[] { b, t }, generator: generator) * 3;
        var losses = nn.functional.cross_entropy(logits.view(-1, v), targets.view(-1), reduction: nn.Reduction.None).view(b, t); // (B, T)
        var objective = new SelectiveObjective(new SelectionConfig { Ratio = 0.4, Select = select }, new FixedReference(reference), 10, 1);
        var output = objective.Reduce(losses, FixedReference.DummyBatch(b, t), step: 0, withStats: true);
        output.Loss.backward();

        // The mask the objective used, recomputed the naive way: per-token gradient rows that are non-zero.
        var rowNorms = logits.grad!.abs().sum(2); // (B, T)
        var selected = rowNorms.gt(0);
        long kept = selected.sum().item<long>();
        Assert.InRange(kept, 1, b * t - 1);
        Assert.Equal(output.Stats["selected_fraction"].item<float>(), kept / (float)(b * t), 6);
        // Unselected: exactly zero, not merely small.
        Assert.Equal(0f, logits.grad!.masked_select(selected.logical_not().unsqueeze(2).expand(b, t, v)).abs().max().item<float>());
        // Selected: d(mean of kept)/d logits = softmax − onehot, over the kept count.
        var expected = (logits.detach().softmax(2) - nn.functional.one_hot(targets, v).to(ScalarType.Float32)) / kept;
        var gotSelected = logits.grad!.masked_select(selected.unsqueeze(2).expand(b, t, v));
        var expectedSelected = expected.masked_select(selected.unsqueeze(2).expand(b, t, v));
        Assert.True(torch.allclose(gotSelected, expectedSelected, rtol: 1e-5, atol: 1e-7));
        // And the kept tokens are the highest-excess ones where the mode ranks (batch: globally).
        if (select == "batch")
        {
            var excess = (losses.detach() - reference).view(-1);
            float lowestKept = excess.masked_select(selected.view(-1)).min().item<float>();
            float highestDropped = excess.masked_select(selected.view(-1).logical_not()).max().item<float>();
            Assert.True(lowestKept >= highestDropped, $"{lowestKept} < {highestDropped}");
        }
    }
}

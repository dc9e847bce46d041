// Buffers kept from step to step must really be the same memory on the next call (a fresh block every step is what
// they exist to avoid): the workspace hands back the same storage for the same request, a prefix of it for fewer rows
// and a new block for more; the detached output-layer cast is rewritten in place after the weights change, and then
// holds the new weights' cast.
using Rho1.Model;
using Rho1.Platform;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Rho1.Model.Runtime;

namespace Rho1.Tests.Model;

public class KeptBuffersTests
{
    [Fact]
    public void The_workspace_reuses_a_buffer_for_the_same_or_fewer_rows_and_replaces_it_for_more()
    {
        using var workspace = new TensorWorkspace();
        var first = workspace.Get("x", [8, 5], ScalarType.Float32, torch.CPU);
        nint address = TensorPointer.Of(first);
        Assert.Equal(address, TensorPointer.Of(workspace.Get("x", [8, 5], ScalarType.Float32, torch.CPU)));
        var fewer = workspace.Get("x", [3, 5], ScalarType.Float32, torch.CPU);
        Assert.Equal(address, TensorPointer.Of(fewer));
        Assert.Equal([3L, 5], fewer.shape);
        Assert.NotEqual(address, TensorPointer.Of(workspace.Get("y", [8, 5], ScalarType.Float32, torch.CPU))); // another name
        var more = workspace.Get("x", [9, 5], ScalarType.Float32, torch.CPU);
        Assert.Equal([9L, 5], more.shape);
        Assert.Equal((9 * 5 + 8 * 5) * 4, workspace.Bytes); // x (9, 5) replaced the (8, 5) one; y (8, 5)
        var other = workspace.Get("x", [9, 5], ScalarType.BFloat16, torch.CPU);
        Assert.Equal(ScalarType.BFloat16, other.dtype);
    }

    [Fact]
    public void The_detached_cast_is_rewritten_in_place_with_the_new_weights()
    {
        using var casts = new ComputeCasts { ComputeType = ScalarType.BFloat16 };
        var weight = new Parameter(torch.randn([6, 4], generator: new Generator(1)));
        var cast = casts.OutsideGraph(weight);
        nint address = TensorPointer.Of(cast);
        Assert.False(cast.requires_grad);
        Assert.Equal(address, TensorPointer.Of(casts.OutsideGraph(weight))); // unchanged weights: the same cast
        using (torch.no_grad()) weight.add_(1);
        casts.Invalidate();
        var again = casts.OutsideGraph(weight);
        Assert.Equal(address, TensorPointer.Of(again));
        Assert.True(again.eq(weight.detach().to(ScalarType.BFloat16)).all().item<bool>());
    }

    [Fact]
    public void A_padded_cast_holds_the_weights_then_zero_rows_and_is_rewritten_in_place()
    {
        using var casts = new ComputeCasts { ComputeType = ScalarType.BFloat16 };
        var weight = new Parameter(torch.randn([6, 4], generator: new Generator(1)));
        var cast = casts.OutsideGraph(weight, rowMultiple: 4);
        Assert.Equal([8L, 4], cast.shape);
        nint address = TensorPointer.Of(cast);
        for (int round = 0; round < 2; round++)
        {
            var now = casts.OutsideGraph(weight, rowMultiple: 4);
            Assert.Equal(address, TensorPointer.Of(now));
            Assert.True(now.narrow(0, 0, 6).eq(weight.detach().to(ScalarType.BFloat16)).all().item<bool>());
            Assert.True(now.narrow(0, 6, 2).eq(torch.zeros(2, 4, ScalarType.BFloat16)).all().item<bool>());
            using (torch.no_grad()) weight.add_(1);
            casts.Invalidate();
        }
        Assert.Equal([6L, 4], casts.OutsideGraph(weight).shape); // unpadded asked: a cast of the weight's own rows
    }
}

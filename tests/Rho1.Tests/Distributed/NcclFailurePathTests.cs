// What NCCL's caller decides without a GPU: the address handed to NCCL for a bf16 buffer, the device each rank of a
// launched job binds, the engine forced on one process, where the CUDA runtime is looked for, and how a rank waits
// for a collective that may never complete (a fake clock and fake completion stand in for the GPU).
using System.Runtime.InteropServices;
using Rho1.Distributed;
using Rho1.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Distributed;

public class NcclFailurePathTests
{
    [Fact]
    public void A_bf16_buffers_address_is_its_first_elements_storage_offset_included()
    {
        // TorchSharp 0.107's storage<BFloat16>() throws; the pointer must come from libtorch's data_ptr for any dtype.
        using var t = torch.tensor(new[] { 1.0f, -2.0f, 0.5f, 3.0f }).to(ScalarType.BFloat16);
        nint p = TensorPointer.Of(t);
        ushort At(nint address, int i) => (ushort)Marshal.ReadInt16(address, 2 * i);
        // bf16 is the top half of the fp32 bits: 1.0 = 0x3F80, -2.0 = 0xC000, 0.5 = 0x3F00, 3.0 = 0x4040.
        Assert.Equal(new ushort[] { 0x3F80, 0xC000, 0x3F00, 0x4040 }, Enumerable.Range(0, 4).Select(i => At(p, i)));
        using var tail = t.narrow(0, 2, 2);
        Assert.Equal(p + 4, TensorPointer.Of(tail));
        Assert.Equal((ushort)0x3F00, At(TensorPointer.Of(tail), 0));
        using var half = torch.tensor(new[] { 1.0f }).to(ScalarType.Float16);
        Assert.Equal((ushort)0x3C00, At(TensorPointer.Of(half), 0)); // fp16 1.0
        using var strided = torch.zeros(4, 4).t();
        Assert.Throws<ArgumentException>(() => TensorPointer.Of(strided));
    }

    [Theory]
    [InlineData("cuda", 2, 4, "cuda:2")]
    [InlineData("auto", 3, 4, "cuda:3")]
    [InlineData("CUDA", 0, 1, "cuda:0")]
    [InlineData("cuda:1", 0, 1, "cuda:1")] // one process on the host: it may pick any GPU
    [InlineData("cpu", 1, 2, "cpu")]
    public void Each_process_of_a_launched_job_binds_the_gpu_of_its_local_rank(string spec, int localRank, int localSize, string expected) =>
        Assert.Equal(expected, DeviceSpec.Bind(spec, localRank, localSize, () => true));

    [Fact]
    public void An_explicit_gpu_for_several_processes_on_a_host_is_refused_with_the_fix()
    {
        string message = Assert.Throws<UserErrorException>(() => DeviceSpec.Bind("cuda:0", 1, 2, () => true)).Message;
        Assert.Contains("started 2 processes on this host", message);
        Assert.Contains("pass --device cuda", message);
        Assert.Equal("cpu", DeviceSpec.Bind("auto", 1, 2, () => false));
        Assert.Contains("expected auto, cpu, cuda or cuda:N", Assert.Throws<UserErrorException>(() => DeviceSpec.Bind("cuda:x", 0, 1, () => true)).Message);
    }

    [Fact]
    public void Nccl_can_be_forced_on_one_process_with_a_cuda_device_only()
    {
        Assert.Equal(Collectives.Engine.Nccl, Collectives.Choose(LaunchEnvironment.SingleProcess, cuda: true, forced: "nccl"));
        Assert.Contains("needs a CUDA device", Assert.Throws<UserErrorException>(() => Collectives.Choose(LaunchEnvironment.SingleProcess, cuda: false, forced: "nccl")).Message);
        Assert.Contains("the only value is nccl", Assert.Throws<UserErrorException>(() => Collectives.Choose(LaunchEnvironment.SingleProcess, cuda: true, forced: "mpi")).Message);
        Assert.Equal(Collectives.Engine.Single, Collectives.Choose(LaunchEnvironment.SingleProcess, cuda: true, forced: ""));
    }

    [Fact]
    public void The_cuda_runtime_is_looked_for_by_soname_then_beside_libtorch()
    {
        var loaded = new[] { "/opt/app/runtimes/native/libtorch_cuda.so", "/usr/lib/libc.so.6" };
        IEnumerable<string> List(string dir) => dir == "/opt/app/runtimes/native"
            ? ["/opt/app/runtimes/native/libcudart-9335f6a2.so.12", "/opt/app/runtimes/native/libtorch_cuda.so", "/opt/app/runtimes/native/libnccl.so.2"] : [];
        var candidates = CudaRuntime.Candidates(null, loaded, List);
        Assert.Equal("libcudart.so", candidates[0]);
        Assert.Equal("/opt/app/runtimes/native/libcudart-9335f6a2.so.12", candidates[^1]);
        Assert.Equal(["/x/libcudart.so.12"], CudaRuntime.Candidates("/x/libcudart.so.12", loaded, List));
        Assert.Null(CudaRuntime.TryLoad("/nonexistent/libcudart.so")); // a CPU machine: no runtime, and no exception
    }

    /// <summary>A clock that moves only when the watch pauses, by the pause asked for (at least 1 ms), and counts polls.</summary>
    sealed class FakeTime
    {
        public TimeSpan Now;
        public int Pauses;
        public TimeSpan Clock() => Now;
        public void Pause(TimeSpan t) { Pauses++; Now += t < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : t; }
    }

    [Fact]
    public void A_collective_that_completes_is_waited_for_and_nothing_is_reported()
    {
        var time = new FakeTime();
        var watch = new CollectiveWatch(time.Clock, time.Pause) { Timeout = TimeSpan.FromSeconds(5), Where = () => "step 3" };
        int polls = 0;
        watch.Wait("ncclAllReduce", () => ++polls > 4, () => null);
        Assert.Equal(5, polls);
        Assert.Equal(4, time.Pauses);
    }

    [Fact]
    public void A_collective_that_never_completes_is_named_with_its_step_after_the_timeout()
    {
        var time = new FakeTime();
        var watch = new CollectiveWatch(time.Clock, time.Pause) { Timeout = TimeSpan.FromSeconds(600), Where = () => "step 12" };
        var e = Assert.Throws<CollectiveFailedException>(() => watch.Wait("ncclAllReduce", () => false, () => null));
        Assert.Equal("ncclAllReduce at step 12 did not complete within 600 s (train.collective_timeout_s): another rank failed or stalls; ending the job", e.Message);
        Assert.InRange(time.Now.TotalSeconds, 600, 600.1); // gave up just after the timeout, polling every 10 ms at most
    }

    [Fact]
    public void An_asynchronous_nccl_error_ends_the_wait_at_once()
    {
        var time = new FakeTime();
        var watch = new CollectiveWatch(time.Clock, time.Pause) { Timeout = TimeSpan.FromSeconds(600), Where = () => "step 7" };
        int polls = 0;
        var e = Assert.Throws<CollectiveFailedException>(() => watch.Wait("ncclAllGather", () => false, () => ++polls >= 3 ? "remote process exited or there was a network error (NCCL error 6)" : null));
        Assert.StartsWith("ncclAllGather at step 7 failed: remote process exited", e.Message);
        Assert.True(time.Now < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void A_timeout_of_zero_waits_for_ever()
    {
        var time = new FakeTime();
        var watch = new CollectiveWatch(time.Clock, time.Pause) { Timeout = TimeSpan.Zero };
        watch.Wait("ncclBroadcast", () => time.Now > TimeSpan.FromHours(2), () => null);
        Assert.True(time.Now > TimeSpan.FromHours(2));
    }
}

public class CollectivesCheckTests
{
    /// <summary>Rank 1 of 3 whose peers behave (ranks 0 and 2 hold 1· and 3·[1,2,3,4]), unless <paramref name="brokenSum"/> adds one too many.</summary>
    sealed class ThreeRanks(bool brokenSum) : ICollectives
    {
        public int Rank => 1;
        public int Size => 3;
        public string Backend => "fake";
        public void AllReduceSum(Tensor t) => t.add_(t / 2 * (brokenSum ? 5 : 4)); // own 2·x: others add 1·x + 3·x
        public Tensor AllGather(Tensor t) => torch.cat([torch.zeros_like(t), t, torch.full_like(t, 2.0)], 0);
        public void Broadcast(Tensor t, int root) => t.fill_(7.0);
        public void ReduceScatterSum(Tensor input, Tensor output) => output.copy_((input + input / 2 * 4).view(3, -1)[1]); // the same sum, block 1
        public void Barrier() { }
        public void Abort(int exitCode) { }
        public void Dispose() { }
    }

    [Fact]
    public void Collectives_that_give_their_closed_forms_pass_and_a_wrong_sum_is_named()
    {
        var good = CollectivesCheck.Run(new ThreeRanks(brokenSum: false), torch.CPU);
        Assert.True(good.Ok, good.Detail);
        Assert.Equal(3, good.Size);
        var bad = CollectivesCheck.Run(new ThreeRanks(brokenSum: true), torch.CPU);
        Assert.False(bad.Ok);
        Assert.Equal("all-reduce (Float32) gave [7, 14, 21, 28], expected [6, 12, 18, 24]", bad.Detail);
        Assert.True(CollectivesCheck.Run(SingleProcess.Instance, torch.CPU).Ok);
    }
}

// `rho1 info`: versions, devices and measured matmul throughput (the MFU peak used by training reports).
using System.CommandLine;
using System.Text.Json;
using Rho1.Distributed;
using Rho1.Platform;

namespace Rho1.Cli.Commands;

public sealed class InfoCommand
{
    readonly Option<bool> _json = new("--json") { Description = "Print one JSON object instead of text." };
    readonly Option<string> _device = GlobalOptions.Device();
    readonly Option<int?> _threads = GlobalOptions.Threads();
    readonly Option<bool> _collectives = new("--collectives")
    {
        Description = "Check the job's collectives on known tensors: run it under the launcher (mpirun -np N rho1 info --collectives), " +
            "or alone with RHO1_COLLECTIVES=nccl for a communicator of one. Exit 1 if a result is wrong.",
    };
    readonly Option<bool> _noBench = new("--no-bench") { Description = "Skip the matmul measurement (about 3 s per precision on a CPU, bounded in time; on a CPU without native bf16 the bf16 figure is its emulation)." };

    public Command Create()
    {
        var command = new Command("info",
            "Show Rho1, .NET, TorchSharp and libtorch versions, devices, and measured matmul GFLOP/s.\n\n" +
            "Examples:\n  rho1 info\n  rho1 info --json\n  rho1 info --device cuda:0 --json")
        {
            _json, _device, _threads, _noBench, _collectives,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(_collectives))
                return CheckCollectives(parse);
            var info = SystemInfo.Collect(DeviceSpec.Resolve(parse.GetValue(_device)!), measure: !parse.GetValue(_noBench));
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(_json))
                output.WriteLine(JsonSerializer.Serialize(info, new JsonSerializerOptions { WriteIndented = true }));
            else
                WriteText(info, output);
            return ExitCodes.Success;
        });
        return command;
    }

    int CheckCollectives(ParseResult parse)
    {
        string device = parse.GetValue(_device)!;
        var world = Job.Current.WorldFor(device);
        var result = CollectivesCheck.Run(world, DeviceSpec.Resolve(device, Job.Current.Launch.LocalRank, Job.Current.Launch.LocalSize));
        var output = parse.InvocationConfiguration.Output;
        if (parse.GetValue(_json))
            output.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        else
            output.WriteLine($"collectives {(result.Ok ? "ok" : "WRONG")}: {result.Size} process(es) over {result.Backend}: {result.Detail} ({result.Seconds:F2} s)");
        return result.Ok ? ExitCodes.Success : ExitCodes.Failure;
    }

    static void WriteText(SystemInfo info, TextWriter o)
    {
        o.WriteLine($"rho1        {info.Rho1}");
        o.WriteLine($".NET        {info.DotNet} on {info.Os}");
        o.WriteLine($"TorchSharp  {info.TorchSharp}");
        o.WriteLine($"libtorch    {info.LibTorch}");
        o.WriteLine($"devices     {string.Join(", ", info.Devices)}{(info.CudaDeviceNames.Count > 0 ? " (" + string.Join(", ", info.CudaDeviceNames) + ")" : "")}");
        o.WriteLine($"threads     {info.Threads}");
        if (info.MatmulGflops is { } g)
            o.WriteLine($"matmul      {g.Fp32:F1} GFLOP/s fp32, {g.Bf16:F1} GFLOP/s bf16{(g.Tf32 is { } tf32 ? $", {tf32:F1} GFLOP/s tf32" : "")} on {info.MeasuredOn}");
    }
}

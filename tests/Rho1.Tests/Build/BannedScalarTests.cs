// The build-time rule against TorchSharp's Scalar race (src/BannedSymbols.txt, issue 38): a sample that hands libtorch a
// bare number, built with src/'s settings, must fail with RS0030 at each such line, and the same sample with held
// Scalars must build. Restores from the local package cache (no network): the solution's restore has filled it.
using System.Diagnostics;

namespace Rho1.Tests.Build;

public class BannedScalarTests
{
    static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Rho1.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Rho1.sln not found above " + AppContext.BaseDirectory);
    }

    static (int Exit, string Output) Build(string body)
    {
        string root = RepoRoot(), dir = Directory.CreateTempSubdirectory("rho1-banned-").FullName;
        try
        {
            // src/'s own settings and package versions, imported rather than copied, so the rule tested is the rule shipped.
            File.WriteAllText(Path.Combine(dir, "Directory.Build.props"), $"<Project><Import Project=\"{root}/src/Directory.Build.props\" /></Project>");
            File.WriteAllText(Path.Combine(dir, "Directory.Packages.props"), $"<Project><Import Project=\"{root}/Directory.Packages.props\" /></Project>");
            File.WriteAllText(Path.Combine(dir, "Sample.csproj"),
                "<Project Sdk=\"Microsoft.NET.Sdk\"><ItemGroup><PackageReference Include=\"TorchSharp\" /></ItemGroup></Project>");
            File.WriteAllText(Path.Combine(dir, "Sample.cs"), "using TorchSharp;\nusing static TorchSharp.torch;\npublic static class Sample\n{\n" + body + "\n}\n");
            var info = new ProcessStartInfo("dotnet", ["build", dir, "-nologo", "-v", "q", "-p:NuGetAudit=false"])
                { RedirectStandardOutput = true, RedirectStandardError = true };
            info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout.Result + stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_bare_number_given_to_libtorch_fails_the_build_and_a_held_Scalar_passes()
    {
        var (exit, output) = Build("""
                public static Tensor Scale(Tensor t) => t * 2.0;
                public static Tensor Floor(Tensor t) => t.clamp_min(1e-6);
                public static Tensor Power(Scalar b, Tensor t) => torch.pow(b, t);
            """);
        Assert.NotEqual(0, exit);
        Assert.Contains("Sample.cs(5,", output); // t * 2.0: Tensor arithmetic with a bare number
        Assert.Contains("Sample.cs(6,", output); // clamp_min(1e-6): the implicit number-to-Scalar conversion
        Assert.Contains("Sample.cs(7,", output); // a Scalar taken for a Tensor: compiles, then throws when run
        Assert.Contains("RS0030", output);

        var held = Build("""
                static readonly Scalar Two = 2.0.ToScalar();
                public static Tensor Scale(Tensor t) => t.mul(Two);
            """);
        Assert.True(held.Exit == 0, held.Output);
    }

    // TorchSharp calls that make a Scalar of their own: left for the finalizer, each held native memory until a .NET
    // collection, which fragmented the heap by ~10 MB per micro-batch on `small` (docs/performance.md).
    [Fact]
    public void A_call_that_makes_its_own_Scalar_fails_the_build_and_its_held_form_passes()
    {
        var (exit, output) = Build("""
                public static Tensor Sum(Tensor a, Tensor b) => a + b;
                public static Tensor Add(Tensor a, Tensor b) => a.add(b);
                public static Tensor AddInPlace(Tensor a, Tensor b) => a.add_(b);
                public static Tensor Square(Tensor a) => a.square();
                public static Tensor Range(Scalar stop) => torch.arange(stop);
            """);
        Assert.NotEqual(0, exit);
        for (int line = 5; line <= 9; line++)
            Assert.Contains($"Sample.cs({line},", output);

        var held = Build("""
                static readonly Scalar Zero = 0.ToScalar(), One = 1.ToScalar(), Two = 2.ToScalar();
                public static Tensor Sum(Tensor a, Tensor b) => a.add(b, One);
                public static Tensor AddInPlace(Tensor a, Tensor b) => a.add_(b, One);
                public static Tensor Square(Tensor a) => a.pow(Two);
                public static Tensor Range(Scalar stop) => torch.arange(Zero, stop, One);
            """);
        Assert.True(held.Exit == 0, held.Output);
    }
}

// Runs the real `rho1` command as a separate process (`dotnet exec rho1.dll`, the copy the test project's build
// puts beside the tests), so that a SIGKILL hits a process the way a crash or an OOM kill would.
using System.Diagnostics;
using System.Text;

namespace Rho1.Cli.Tests.Reliability;

public sealed class Rho1Process : IDisposable
{
    readonly Process _process;
    readonly StringBuilder _stderr = new(), _stdout = new();

    Rho1Process(Process process) => _process = process;

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "rho1.dll");

    /// <summary>The dotnet host running the tests (the SDK sets DOTNET_HOST_PATH for test runs).</summary>
    public static string Host => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Starts `rho1 args`, or <paramref name="launcher"/> followed by the dotnet host and `exec rho1.dll args` (e.g. mpirun -np 2).</summary>
    public static Rho1Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? launcher = null)
    {
        var info = new ProcessStartInfo(launcher is { Count: > 0 } ? launcher[0] : Host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (launcher is { Count: > 0 })
        {
            foreach (string a in launcher.Skip(1)) info.ArgumentList.Add(a);
            info.ArgumentList.Add(Host);
        }
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(Dll);
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // One torch thread: the same in every attempt, and immune to the several-fold slowdown of OpenMP threads
        // spinning on a machine whose cores are busy with other tests or builds.
        info.Environment["OMP_NUM_THREADS"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;
        var process = new Process { StartInfo = info };
        var result = new Rho1Process(process);
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (result._stderr) result._stderr.AppendLine(e.Data); };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (result._stdout) result._stdout.AppendLine(e.Data); };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return result;
    }

    /// <summary>Runs to completion (or throws after <paramref name="timeout"/>); returns the exit code and stderr.</summary>
    public static (int ExitCode, string Stderr) Run(IEnumerable<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? launcher = null)
    {
        var (code, stderr, _) = RunWithOutput(args, timeout, environment, launcher);
        return (code, stderr);
    }

    /// <summary>Run, with standard output as well.</summary>
    public static (int ExitCode, string Stderr, string Stdout) RunWithOutput(IEnumerable<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? launcher = null)
    {
        using var p = Start(args, environment, launcher);
        if (!p.WaitForExit(timeout))
        {
            p.Kill();
            throw new TimeoutException($"rho1 {string.Join(" ", args)} did not finish in {timeout}");
        }
        return (p.ExitCode, p.Stderr, p.Stdout);
    }

    public bool HasExited => _process.HasExited;
    public int Id => _process.Id;
    public int ExitCode => _process.ExitCode;

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    public string Stdout
    {
        get { lock (_stdout) return _stdout.ToString(); }
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit(); // drains the redirected streams
        return true;
    }

    /// <summary>SIGTERM, as a scheduler or `kill` sends it: the child may finish its step and exit on its own.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>SIGKILL (what Process.Kill sends on Unix): no handler, finally block or flush runs in the child.</summary>
    public void Kill()
    {
        try { _process.Kill(entireProcessTree: false); }
        catch (InvalidOperationException) { } // it exited first
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}

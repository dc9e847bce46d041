// What a person at a terminal sees: `rho1 train-ref` under a pseudo-terminal (util-linux `script`), where the
// progress bar is drawn and log lines (evaluations) arrive while it is; every log line must start on a line of its
// own, never after the bar's text (issue 27: "… ETA 01:1416:56:50 INF step 50: val loss …").
using System.Diagnostics;
using System.Text.RegularExpressions;
using Rho1.Cli.Tests.Reliability;

namespace Rho1.Cli.Tests;

[Collection("reliability")]
public sealed class TerminalOutputTests(ReliabilityWorkspace w)
{
    static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [SkippableFact]
    public void Log_lines_written_while_the_bar_is_drawn_start_on_their_own_line()
    {
        Skip.IfNot(File.Exists("/usr/bin/script"), "util-linux's script (a pseudo-terminal) is not installed");
        string run = w.NewRun("tty");
        string[] args = [Rho1Process.Host, "exec", Rho1Process.Dll, "train-ref", "--config", "tiny", "--data", w.Clean, "--out", run, "--device", "cpu",
            "--set", "train.steps=120", "--set", "train.eval_every=20", "--set", "train.log_every=5", "--set", "train.peak_gflops=100", "--set", "train.checkpoint_every=0"];
        var info = new ProcessStartInfo("/usr/bin/script") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-q", "-e", "-c", string.Join(' ', args.Select(Quote)), "/dev/null" }) info.ArgumentList.Add(a);
        info.Environment["OMP_NUM_THREADS"] = "1";
        info.Environment["TERM"] = "xterm";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "train-ref under script did not finish in 3 minutes");
        string output = stdout.Result;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}:\n{output}");
        Assert.Contains("\r[", output); // the bar was drawn: stderr was a terminal
        Assert.DoesNotContain("\u001b[?1h", output); // no keypad-mode sequence from System.Console's terminal set-up
        var lines = ProgressBarTests.Rendered(output.Replace("\r\n", "\n", StringComparison.Ordinal));
        var logLines = lines.Where(l => Regex.IsMatch(l, @" (INF|WRN) ")).ToList();
        Assert.Contains(logLines, l => l.Contains("val loss", StringComparison.Ordinal));
        Assert.All(logLines, l => Assert.Matches(@"^\d\d:\d\d:\d\d (INF|WRN) ", l));
    }
}

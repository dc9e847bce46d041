// Entry point of the rho1 command: everything lives in CliApp so that tests can run it in-process.
// Standard output and error are written as plain file streams rather than through System.Console's terminal streams:
// on first write to a terminal those put it in keypad mode ("ESC[?1h ESC="), which lands in the output itself when a
// launcher's pseudo-terminal carries it to a file (mpirun does, for every rank).
using Microsoft.Win32.SafeHandles;

if (!OperatingSystem.IsWindows())
{
    Console.SetOut(Standard(1));
    Console.SetError(Standard(2));
}
return Rho1.Cli.CliApp.Run(args, Console.Out, Console.Error);

static TextWriter Standard(int descriptor) =>
    TextWriter.Synchronized(new StreamWriter(new FileStream(new SafeFileHandle(descriptor, ownsHandle: false), FileAccess.Write, bufferSize: 1))
    {
        AutoFlush = true,
    });

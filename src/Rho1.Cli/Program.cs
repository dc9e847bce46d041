// Entry point of the rho1 command: everything lives in CliApp so that tests can run it in-process.
return Rho1.Cli.CliApp.Run(args, Console.Out, Console.Error);

// `rho1 export`: safetensors + Hugging Face config for PyTorch / transformers.
using System.CommandLine;
using Rho1.Model.Storage;
using Rho1.Training.Runs;

namespace Rho1.Cli.Commands;

public static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Checkpoint or run directory.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Directory for model.safetensors and config.json.", Required = true };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing export." };
        var command = new Command("export",
            "Export a checkpoint as a Hugging Face Llama model (model.safetensors + config.json).\n\n" +
            "Examples:\n  rho1 export --model runs/slm60 --out exports/slm60\n" +
            "Then in Python: transformers.AutoModelForCausalLM.from_pretrained(\"exports/slm60\")")
        {
            model, output, force,
        };
        command.SetAction(parse =>
        {
            string file = ModelExport.Run(parse.GetValue(model)!, parse.GetValue(output)!, parse.GetValue(force));
            parse.InvocationConfiguration.Output.WriteLine($"wrote {file}");
            return ExitCodes.Success;
        });
        return command;
    }
}

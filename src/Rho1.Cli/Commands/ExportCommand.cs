// `rho1 export`: safetensors + Hugging Face config for PyTorch / transformers.
using System.CommandLine;
using Rho1.Model.Storage;

namespace Rho1.Cli.Commands;

public sealed class ExportCommand
{
    readonly Option<string> _model = new("--model", "-m") { Description = "Checkpoint or run directory.", Required = true };
    readonly Option<string> _output = new("--out", "-o") { Description = "Directory for model.safetensors and config.json.", Required = true };
    readonly Option<bool> _force = new("--force") { Description = "Overwrite an existing export." };

    public Command Create()
    {
        var command = new Command("export",
            "Export a checkpoint as a Hugging Face Llama model (model.safetensors + config.json).\n\n" +
            "Examples:\n  rho1 export --model runs/slm60 --out exports/slm60\n" +
            "Then in Python: transformers.AutoModelForCausalLM.from_pretrained(\"exports/slm60\")")
        {
            _model, _output, _force,
        };
        command.SetAction(parse =>
        {
            string file = HuggingFaceExport.Run(parse.GetValue(_model)!, parse.GetValue(_output)!, parse.GetValue(_force));
            parse.InvocationConfiguration.Output.WriteLine($"wrote {file}");
            return ExitCodes.Success;
        });
        return command;
    }
}

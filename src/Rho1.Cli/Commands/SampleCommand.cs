// `rho1 sample`: generate text from a checkpoint.
using System.CommandLine;
using Rho1.Evaluation;

namespace Rho1.Cli.Commands;

public static class SampleCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Checkpoint or run directory.", Required = true };
        var prompt = new Option<string>("--prompt", "-p") { Description = "Text to continue.", DefaultValueFactory = _ => "" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens to generate at most.", DefaultValueFactory = _ => 200 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature; 0 = greedy.", DefaultValueFactory = _ => 0.8 };
        var topK = new Option<int>("--top-k") { Description = "Sample among the k likeliest tokens; 0 = all.", DefaultValueFactory = _ => 50 };
        var seed = new Option<long>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 1234 };
        var data = new Option<string?>("--data") { Description = "Dataset whose tokenizer to use (default: the one the model was trained on)." };
        var device = GlobalOptions.Device();
        var command = new Command("sample",
            "Generate text from a trained model.\n\n" +
            "Examples:\n  rho1 sample --model runs/slm60 --prompt \"The jury said\"\n  rho1 sample --model runs/ref/final --prompt \"It was\" --temperature 0 --max-tokens 50")
        {
            model, prompt, maxTokens, temperature, topK, seed, data, device,
        };
        command.SetAction(parse =>
        {
            parse.InvocationConfiguration.Output.WriteLine(TextGenerator.Generate(parse.GetValue(model)!, parse.GetValue(prompt)!, parse.GetValue(maxTokens),
                parse.GetValue(temperature), parse.GetValue(topK), parse.GetValue(seed), parse.GetValue(device)!, parse.GetValue(data)));
            return ExitCodes.Success;
        });
        return command;
    }
}

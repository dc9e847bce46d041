// `rho1 sample`: generate text from a checkpoint.
using System.CommandLine;
using Rho1.Evaluation;

namespace Rho1.Cli.Commands;

public sealed class SampleCommand
{
    readonly Option<string> _model = new("--model", "-m") { Description = "Checkpoint, run or Hugging Face directory.", Required = true };
    readonly Option<string> _prompt = new("--prompt", "-p") { Description = "Text to continue.", DefaultValueFactory = _ => "" };
    readonly Option<int> _maxTokens = new("--max-tokens") { Description = "Tokens to generate at most.", DefaultValueFactory = _ => 200 };
    readonly Option<double> _temperature = new("--temperature") { Description = "Sampling temperature; 0 = greedy.", DefaultValueFactory = _ => 0.8 };
    readonly Option<int> _topK = new("--top-k") { Description = "Sample among the k likeliest tokens; 0 = all.", DefaultValueFactory = _ => 50 };
    readonly Option<long> _seed = new("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 1234 };
    readonly Option<string?> _data = new("--data") { Description = "Dataset whose tokenizer to use (default: the one the model was trained on)." };
    readonly Option<string> _device = GlobalOptions.Device();
    readonly Option<int?> _threads = GlobalOptions.Threads();

    public Command Create()
    {
        var command = new Command("sample",
            "Generate text from a trained model.\n\n" +
            "Examples:\n  rho1 sample --model runs/slm60 --prompt \"The jury said\"\n  rho1 sample --model runs/ref/final --prompt \"It was\" --temperature 0 --max-tokens 50")
        {
            _model, _prompt, _maxTokens, _temperature, _topK, _seed, _data, _device, _threads,
        };
        command.SetAction(parse =>
        {
            parse.InvocationConfiguration.Output.WriteLine(TextGenerator.Generate(Options(parse)));
            return ExitCodes.Success;
        });
        return command;
    }

    public SampleOptions Options(ParseResult parse) =>
        new(parse.GetValue(_model)!, parse.GetValue(_prompt)!, parse.GetValue(_maxTokens), parse.GetValue(_temperature), parse.GetValue(_topK),
            parse.GetValue(_seed), parse.GetValue(_device)!, parse.GetValue(_data));
}

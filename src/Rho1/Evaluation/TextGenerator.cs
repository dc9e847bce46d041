// `rho1 sample`: autoregressive generation from a checkpoint with temperature and top-k, seeded. Decodes
// with the tokenizer the training data was prepared with. Dimensions: T time, V vocabulary.
using Rho1.Data.Tokenizers;
using Rho1.Model.Storage;
using Rho1.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Evaluation;

public static class TextGenerator
{
    public static string Generate(SampleOptions o)
    {
        var (prompt, maxTokens, temperature, topK) = (o.Prompt, o.MaxTokens, o.Temperature, o.TopK);
        if (maxTokens < 0) throw new UserErrorException($"--max-tokens {maxTokens}: must be >= 0");
        if (temperature < 0) throw new UserErrorException($"--temperature {temperature}: must be >= 0 (0 = greedy)");
        if (topK < 0) throw new UserErrorException($"--top-k {topK}: must be >= 0 (0 = no limit)");
        var dev = DeviceSpec.Resolve(o.Device);
        using var loaded = ModelLoader.Load(o.Model, dev, precision: "fp32");
        var (model, state) = (loaded.Model, loaded.Info);
        var tokenizer = ModelTokenizer.Find(state, o.DataDir);
        // Sampling starts as a new document, framed as the training data's were: the one framing rule, TaskPrompt's.
        var ids = Tasks.TaskPrompt.Start(tokenizer, Tasks.TaskPrompt.Document).Select(i => (long)i).ToList();
        ids.AddRange(tokenizer.Encode(prompt).Select(i => (long)i));
        int promptLength = ids.Count;
        var generator = new Generator((ulong)o.Seed);
        using var noGrad = torch.no_grad();
        for (int i = 0; i < maxTokens; i++)
        {
            using var scope = torch.NewDisposeScope();
            var context = ids.Skip(Math.Max(0, ids.Count - model.Config.ContextLength)).ToArray();
            var logits = model.forward(torch.tensor(context, new long[] { 1, context.Length }).to(dev))[0, -1].to(ScalarType.Float32); // (V)
            long next;
            if (temperature == 0)
                next = logits.argmax().item<long>();
            else
            {
                using (var t = temperature.ToScalar())
                    logits = logits.div(t);
                if (topK > 0 && topK < logits.shape[0])
                {
                    var kth = logits.topk(topK).values[-1];
                    using var minusInfinity = double.NegativeInfinity.ToScalar();
                    logits = logits.masked_fill(logits.lt(kth), minusInfinity);
                }
                next = torch.multinomial(logits.softmax(0).cpu(), 1, generator: generator).item<long>();
            }
            if (next == tokenizer.EosId) break;
            ids.Add(next);
        }
        return prompt + tokenizer.Decode(ids.Skip(promptLength).Select(i => (int)i).ToArray());
    }
}

// Summed log-likelihood of continuations given contexts, batched: each request becomes one row of ids (start, context,
// continuation, minus the last id; TaskPrompt says what the start is), rows are sorted longest first and run through the model a batch at a time, and the
// head and the log-softmax are applied only at the positions that predict a continuation token. Requests whose rows are identical
// (one-token continuations of one context, like BoolQ's "no"/"yes") share one row: the context is scored once.
// Sequences longer than the model's context keep their last tokens. The ranks of a job run every N-th batch each and
// combine the results exactly (EvalShares). Dimensions: B rows, T time, V vocabulary.
using Rho1.Data.Tokenizers;
using Rho1.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Evaluation.Tasks;

/// <summary>A continuation's summed log-likelihood (natural log), its token count, and whether greedy decoding would produce it.</summary>
public readonly record struct Likelihood(double LogLikelihood, int Tokens, bool Greedy);

public static class LikelihoodScorer
{
    /// <summary>Largest B·T·V of one batch's logits (1 GiB of fp32), whatever the batch size asked.</summary>
    const long MaxLogits = 1L << 28;

    sealed record Row(int[] Input, List<(int Request, int[] Targets)> Requests);

    /// <summary>Scores every (context, continuation) pair; <paramref name="onProgress"/>(rows done, rows) after each batch.</summary>
    /// <param name="sequenceStart">TaskPrompt.Harness (nothing prepended) or TaskPrompt.Document (the end-of-document id first).</param>
    public static Likelihood[] Score(Transformer model, ITextTokenizer tokenizer, IReadOnlyList<(string Context, string Continuation)> requests,
        int batchSize, Device device, Action<int, int>? onProgress = null, EvalShares? shares = null, string sequenceStart = TaskPrompt.Harness)
    {
        shares ??= EvalShares.Single;
        int maxInput = MaxInput(model.Config);
        var rows = new Dictionary<string, Row>();
        for (int r = 0; r < requests.Count; r++)
        {
            var (ctx, cont) = TaskPrompt.EncodePair(tokenizer, requests[r].Context, requests[r].Continuation, sequenceStart);
            if (cont.Length == 0)
                throw new UserErrorException($"continuation {System.Text.Json.JsonSerializer.Serialize(requests[r].Continuation)} encodes to no tokens; every choice must have text");
            if (cont.Length > maxInput)
                throw new UserErrorException($"a continuation of {cont.Length} tokens is longer than the model's context of {maxInput}");
            int[] full = [.. TaskPrompt.Start(tokenizer, sequenceStart, ctx.Length), .. ctx, .. cont];
            int[] input = full[Math.Max(0, full.Length - 1 - maxInput)..^1]; // keep the last tokens when too long
            string key = string.Join(',', input);
            if (!rows.TryGetValue(key, out var row))
                rows[key] = row = new Row(input, []);
            row.Requests.Add((r, cont));
        }
        var ordered = rows.Values.OrderByDescending(r => r.Input.Length).ToList();
        var results = new Likelihood[requests.Count];
        using var noGrad = torch.no_grad();
        bool wasTraining = model.training;
        model.eval();
        try
        {
            for (int done = 0, index = 0; done < ordered.Count; index++)
            {
                int t = ordered[done].Input.Length; // the longest row of this batch
                int b = (int)Math.Clamp(Math.Min(batchSize, MaxLogits / ((long)t * model.Config.VocabSize)), 1, ordered.Count - done);
                if (shares.Mine(index))
                {
                    ScoreBatch(model, ordered.GetRange(done, b), t, device, results);
                    onProgress?.Invoke(done + b, ordered.Count);
                }
                done += b;
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return shares.Size == 1 ? results : Combined(results, shares);
    }

    /// <summary>Every rank's results (default where another rank's) as one array: each request was scored by one rank.</summary>
    static Likelihood[] Combined(Likelihood[] results, EvalShares shares)
    {
        int n = results.Length;
        var values = new double[3 * n];
        for (int i = 0; i < n; i++)
            (values[i], values[n + i], values[2 * n + i]) = (results[i].LogLikelihood, results[i].Tokens, results[i].Greedy ? 1 : 0);
        shares.Combine(values);
        return [.. Enumerable.Range(0, n).Select(i => new Likelihood(values[i], (int)values[n + i], values[2 * n + i] != 0))];
    }

    /// <summary>The longest input a forward pass takes: the context length, or the sliding window when shorter.</summary>
    public static int MaxInput(ModelConfig config) => config.SlidingWindow > 0 ? Math.Min(config.ContextLength, config.SlidingWindow) : config.ContextLength;

    static void ScoreBatch(Transformer model, List<Row> batch, int t, Device device, Likelihood[] results)
    {
        using var scope = torch.NewDisposeScope();
        var ids = new long[batch.Count * t]; // right-padded with id 0: a causal model's earlier positions never see the padding
        var flat = new List<long>();
        var targets = new List<long>();
        for (int i = 0; i < batch.Count; i++)
        {
            var input = batch[i].Input;
            for (int k = 0; k < input.Length; k++) ids[i * t + k] = input[k];
            foreach (var (_, cont) in batch[i].Requests)
                for (int k = 0; k < cont.Length; k++)
                {
                    flat.Add((long)i * t + input.Length - cont.Length + k);
                    targets.Add(cont[k]);
                }
        }
        var picked = model.LogitsAt(torch.tensor(ids, [batch.Count, t]).to(device), torch.tensor(flat.ToArray()).to(device)).to(ScalarType.Float32); // (N, V): the head only where scored
        var logProbs = picked.log_softmax(1);
        var targetTensor = torch.tensor(targets.ToArray()).to(device);
        var chosen = logProbs.gather(1, targetTensor.unsqueeze(1)).squeeze(1).to(ScalarType.Float64).cpu().data<double>().ToArray(); // (N)
        var greedy = logProbs.argmax(1).eq(targetTensor).cpu().data<bool>().ToArray();
        int n = 0;
        foreach (var row in batch)
            foreach (var (request, cont) in row.Requests)
            {
                double sum = 0;
                bool allGreedy = true;
                for (int k = 0; k < cont.Length; k++, n++)
                {
                    sum += chosen[n];
                    allGreedy &= greedy[n];
                }
                results[request] = new Likelihood(sum, cont.Length, allGreedy);
            }
    }
}

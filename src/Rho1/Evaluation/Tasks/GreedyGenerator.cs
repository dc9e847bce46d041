// Batched greedy decoding for generation tasks. Prompts of a batch are right-padded to the longest and run once, their
// keys and values cached (Model/KvCache.cs); each step then runs only the new token of every row, at the row's own
// position, attending to its cached positions (a causal model's positions never see the padding to their right, and a
// row's padding is overwritten as it grows), so every row decodes as it would alone, at a cost per step that does not
// grow with the prompt. The uncached loop (the whole sequence each step) stays as the reference the tests compare
// against. A row stops at the end-of-document id, at a stop string (the text is cut before it), at the token limit, or
// at the model's context.
// Prompts keep their last tokens when they and the generation would not fit. Dimensions: B rows, T time, V vocabulary.
using Rho1.Data.Tokenizers;
using Rho1.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Evaluation.Tasks;

public static class GreedyGenerator
{
    /// <summary>The greedy continuation of every prompt, as text, cut at the first stop string.</summary>
    /// <param name="cached">False: rerun the whole sequence at every step (the reference for tests; far slower).</param>
    /// <param name="onTokens">Told each batch's count of generated tokens (those a stop string cuts off included).</param>
    /// <param name="shares">The job's ranks, each generating every N-th batch; every rank gets all outputs. Null: this process generates them all.</param>
    /// <param name="sequenceStart">TaskPrompt.Harness (nothing prepended) or TaskPrompt.Document (the end-of-document id first).</param>
    public static string[] Generate(Transformer model, ITextTokenizer tokenizer, IReadOnlyList<string> prompts, int maxNewTokens, IReadOnlyList<string> stops,
        int batchSize, Device device, Action<int, int>? onProgress = null, bool cached = true, Action<long>? onTokens = null, EvalShares? shares = null,
        string sequenceStart = TaskPrompt.Harness)
    {
        shares ??= EvalShares.Single;
        int maxInput = LikelihoodScorer.MaxInput(model.Config);
        maxNewTokens = Limit(maxNewTokens, maxInput);
        if (maxNewTokens >= maxInput)
            throw new UserErrorException($"--max-gen-tokens {maxNewTokens} leaves no room for a prompt in the model's context of {maxInput}");
        var encoded = prompts.Select(p =>
        {
            int[] text = tokenizer.Encode(p);
            int[] ids = [.. TaskPrompt.Start(tokenizer, sequenceStart, text.Length), .. text];
            return ids[Math.Max(0, ids.Length - (maxInput - maxNewTokens))..];
        }).ToList();
        var order = Enumerable.Range(0, prompts.Count).OrderByDescending(i => encoded[i].Length).ToList();
        var outputs = new string?[prompts.Count];
        using var noGrad = torch.no_grad();
        bool wasTraining = model.training;
        model.eval();
        try
        {
            for (int done = 0, index = 0; done < order.Count; index++)
            {
                long capacity = Math.Min(maxInput, encoded[order[done]].Length + maxNewTokens); // the batch's longest row comes first
                int rows = Math.Max(1, Math.Min(batchSize, cached ? RowsFitting(model.Config, capacity, model.ComputeType) : batchSize));
                var batch = order.Skip(done).Take(rows).ToList();
                done += batch.Count;
                if (!shares.Mine(index)) continue;
                var batchPrompts = batch.Select(i => encoded[i]).ToList();
                var texts = cached ? GenerateBatchCached(model, tokenizer, batchPrompts, maxNewTokens, stops, maxInput, device, onTokens)
                    : GenerateBatch(model, tokenizer, batchPrompts, maxNewTokens, stops, maxInput, device);
                for (int k = 0; k < batch.Count; k++) outputs[batch[k]] = texts[k];
                onProgress?.Invoke(done, order.Count);
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        shares.Combine(outputs);
        return outputs!;
    }

    /// <summary>The key/value cache a generation batch may hold, whatever --batch-size asks: 4 GiB.</summary>
    public const long MaxCacheBytes = 4L << 30;

    /// <summary>
    /// Rows whose key/value cache of <paramref name="capacity"/> positions fits MaxCacheBytes: layers × 2 (keys, values) × kv
    /// heads × capacity × head size × the compute type's bytes per row (at least one row). A Llama-3-8B shape in fp32 with
    /// 2,048 + 256 positions: 7 rows.
    /// </summary>
    public static int RowsFitting(ModelConfig config, long capacity, ScalarType computeType)
    {
        long elementBytes = computeType is ScalarType.Float32 ? 4 : computeType is ScalarType.Float64 ? 8 : 2;
        long perRow = config.Layers * 2L * config.EffectiveKvHeads * capacity * config.HeadDim * elementBytes;
        return (int)Math.Clamp(MaxCacheBytes / Math.Max(1, perRow), 1, int.MaxValue);
    }

    /// <summary>The token limit: <paramref name="asked"/>, or for 0 the smaller of 256 and half the model's context; refuses one that leaves no room for a prompt.</summary>
    public static int Limit(int asked, int maxInput)
    {
        if (asked < 0) throw new UserErrorException($"--max-gen-tokens {asked}: must be >= 1 (0 = the default)");
        if (asked == 0) return Math.Min(256, maxInput / 2);
        if (asked >= maxInput)
            throw new UserErrorException($"--max-gen-tokens {asked} leaves no room for a prompt in the model's context of {maxInput}; lower it");
        return asked;
    }

    static string[] GenerateBatch(Transformer model, ITextTokenizer tokenizer, List<int[]> prompts, int maxNewTokens, IReadOnlyList<string> stops, int maxInput, Device device)
    {
        var rows = prompts.Select(p => new List<long>(p.Select(i => (long)i))).ToList();
        var generated = prompts.Select(_ => new List<int>()).ToList();
        var texts = new string?[prompts.Count];
        for (int step = 0; step < maxNewTokens && texts.Any(x => x == null); step++)
        {
            using var scope = torch.NewDisposeScope();
            var active = Enumerable.Range(0, rows.Count).Where(i => texts[i] == null).ToList();
            int t = active.Max(i => rows[i].Count);
            var ids = new long[active.Count * t];
            var last = new long[active.Count];
            for (int k = 0; k < active.Count; k++)
            {
                rows[active[k]].CopyTo(ids, k * t);
                last[k] = (long)k * t + rows[active[k]].Count - 1;
            }
            var logits = model.forward(torch.tensor(ids, [active.Count, t]).to(device)); // (B, T, V)
            var next = logits.view(-1, logits.shape[2]).index_select(0, torch.tensor(last).to(device)).to(ScalarType.Float32).argmax(1).cpu().data<long>().ToArray();
            for (int k = 0; k < active.Count; k++)
            {
                int i = active[k];
                if (next[k] != tokenizer.EosId) rows[i].Add(next[k]);
                texts[i] = Take(tokenizer, generated[i], next[k], stops, rows[i].Count >= maxInput);
            }
        }
        for (int i = 0; i < texts.Length; i++)
            texts[i] ??= Cut(tokenizer.Decode(generated[i].ToArray()), stops);
        return texts!;
    }

    static string[] GenerateBatchCached(Transformer model, ITextTokenizer tokenizer, List<int[]> prompts, int maxNewTokens, IReadOnlyList<string> stops, int maxInput, Device device,
        Action<long>? onTokens)
    {
        int b = prompts.Count, t = prompts.Max(p => p.Length);
        var ids = new long[b * t];
        for (int k = 0; k < b; k++)
            for (int j = 0; j < prompts[k].Length; j++) ids[k * t + j] = prompts[k][j];
        var lengths = prompts.Select(p => (long)p.Length).ToArray();
        var generated = prompts.Select(_ => new List<int>()).ToList();
        var texts = new string?[b];
        using var cache = new KvCache(model.Config, b, Math.Min(maxInput, t + maxNewTokens), model.ComputeType, device);
        Tensor logits;
        using (var last = torch.tensor(lengths.Select(n => n - 1).ToArray()).to(device))
        using (var tokens = torch.tensor(ids, [b, t]).to(device))
            logits = model.Prefill(tokens, cache, last); // (B, V)
        var positions = lengths.ToArray(); // where each row's next token goes
        for (int step = 0; step < maxNewTokens && texts.Any(x => x == null); step++)
        {
            using var scope = torch.NewDisposeScope();
            var next = logits.to(ScalarType.Float32).argmax(1).cpu().data<long>().ToArray();
            logits.Dispose();
            for (int i = 0; i < b; i++)
            {
                if (texts[i] == null)
                    texts[i] = Take(tokenizer, generated[i], next[i], stops, positions[i] + 1 >= maxInput);
            }
            if (texts.All(x => x != null) || step + 1 == maxNewTokens) break;
            // Finished rows keep stepping (their tokens are ignored) so that the batch keeps its shape, up to the capacity.
            var at = positions.Select(p => Math.Min(p, cache.Capacity - 1)).ToArray();
            logits = model.DecodeStep(torch.tensor(next).to(device), cache, torch.tensor(at).to(device)).DetachFromDisposeScope();
            for (int i = 0; i < b; i++) positions[i]++;
        }
        logits.Dispose();
        for (int i = 0; i < b; i++)
            texts[i] ??= Cut(tokenizer.Decode(generated[i].ToArray()), stops);
        onTokens?.Invoke(generated.Sum(g => (long)g.Count));
        return texts!;
    }

    /// <summary>
    /// Takes token <paramref name="next"/> into a row's <paramref name="generated"/> tokens; returns the row's finished text
    /// (at the end-of-document id, at a stop string, or when the row reached the context: <paramref name="full"/>), else null.
    /// </summary>
    static string? Take(ITextTokenizer tokenizer, List<int> generated, long next, IReadOnlyList<string> stops, bool full)
    {
        if (next == tokenizer.EosId) return Cut(tokenizer.Decode(generated.ToArray()), stops);
        generated.Add((int)next);
        string text = tokenizer.Decode(generated.ToArray());
        string cut = Cut(text, stops);
        return cut.Length < text.Length || full ? cut : null;
    }

    /// <summary><paramref name="text"/> up to the earliest stop string, or all of it.</summary>
    public static string Cut(string text, IReadOnlyList<string> stops)
    {
        int end = text.Length;
        foreach (var stop in stops)
        {
            int at = stop.Length == 0 ? -1 : text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && at < end) end = at;
        }
        return text[..end];
    }
}

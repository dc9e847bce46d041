// Batched scoring equals a one-sequence-at-a-time log-softmax over the same ids, whatever the batch size, when rows
// are shared (one-token continuations) and when a sequence is cut to the model's context; the continuation's tokens
// come from the joint encoding, so a leading space belongs to the continuation's first token.
using Rho1.Data.Tokenizers;
using Rho1.Evaluation.Tasks;
using Rho1.Model;
using Rho1.Tests.Fixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Evaluation.Tasks;

public class LikelihoodScorerTests
{
    static readonly ModelConfig Config = new() { VocabSize = 257, ContextLength = 24, Dim = 32, Layers = 2, Heads = 4, FfnDim = 64 };

    /// <summary>The naive computation: one sequence, its full logits, log-softmax, the continuation's ids summed.</summary>
    static double Naive(Transformer model, int[] ids, int continuation)
    {
        using var noGrad = torch.no_grad();
        int[] kept = ids[Math.Max(0, ids.Length - Config.ContextLength - 1)..];
        var logits = model.forward(torch.tensor(kept[..^1].Select(i => (long)i).ToArray(), [1, kept.Length - 1]))[0].to(ScalarType.Float64).log_softmax(1); // (T, V)
        double sum = 0;
        for (int k = kept.Length - continuation; k < kept.Length; k++)
            sum += logits[k - 1, kept[k]].item<double>();
        return sum;
    }

    [Theory]
    [InlineData(TaskPrompt.Harness)]
    [InlineData(TaskPrompt.Document)]
    public void Batched_scores_equal_one_sequence_at_a_time(string start)
    {
        using var model = new Transformer(Config, seed: 5);
        var bytes = TokenizerFactory.Create("bytes");
        (string, string)[] requests = [("The cat", " sat."), ("A", " b"), ("A", " c"), ("Hi", "!"), ("Hi", "?"), ("long context here", " and more text"),
            ("a context that runs far beyond the model's context window", " of 24")];
        foreach (int batch in new[] { 1, 3, 16 })
        {
            var scores = LikelihoodScorer.Score(model, bytes, requests, batch, CPU, sequenceStart: start);
            for (int r = 0; r < requests.Length; r++)
            {
                var (ctx, cont) = requests[r];
                int[] text = [.. System.Text.Encoding.UTF8.GetBytes(ctx + cont).Select(b => (int)b)];
                int[] ids = start == TaskPrompt.Document ? [256, .. text] : text; // the harness prepends nothing before a context
                int n = System.Text.Encoding.UTF8.GetByteCount(cont);
                Assert.Equal(n, scores[r].Tokens);
                Assert.Equal(Naive(model, ids, n), scores[r].LogLikelihood, 4);
            }
        }
    }

    [Fact]
    public void A_continuation_longer_than_the_context_is_refused()
    {
        using var model = new Transformer(Config, seed: 5);
        var e = Assert.Throws<UserErrorException>(() => LikelihoodScorer.Score(model, TokenizerFactory.Create("bytes"), [("a", new string('b', 25))], 4, CPU));
        Assert.Contains("continuation of 25 tokens is longer than the model's context of 24", e.Message);
    }

    [Fact]
    public void The_continuation_is_encoded_jointly_with_its_context()
    {
        var gpt2 = TokenizerFactory.Create("gpt2");
        var (ctx, cont) = TaskPrompt.EncodePair(gpt2, "The cat", " sat on the mat");
        Assert.Equal(gpt2.Encode("The cat"), ctx);
        Assert.Equal(gpt2.Encode("The cat sat on the mat")[ctx.Length..], cont);
        Assert.Equal(gpt2.Encode(" sat on the mat"), cont);       // " sat" is one token, space included
        Assert.NotEqual(gpt2.Encode("sat on the mat"), cont);     // not the continuation encoded alone without its space
        var (ctx2, cont2) = TaskPrompt.EncodePair(gpt2, "The cat ", "sat on the mat"); // a trailing space moves to the continuation
        Assert.Equal(ctx, ctx2);
        Assert.Equal(cont, cont2);
    }

    /// <summary>Python's str.isspace() characters (printed by Python 3.11): what the harness's rstrip() moves to the continuation.</summary>
    static readonly int[] PythonSpaces = [0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
        0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000];

    [Fact]
    public void Trailing_white_space_moves_to_the_continuation_as_pythons_rstrip_strips_it()
    {
        var bytes = TokenizerFactory.Create("bytes");
        foreach (int c in PythonSpaces)
        {
            string space = ((char)c).ToString();
            var (ctx, cont) = TaskPrompt.EncodePair(bytes, "Answer:" + space, "yes");
            Assert.Equal(bytes.Encode("Answer:"), ctx);
            Assert.Equal(bytes.Encode(space + "yes"), cont);
        }
        var (kept, _) = TaskPrompt.EncodePair(bytes, "Answer:\u200b", "yes"); // a zero-width space is not white space to Python
        Assert.Equal(bytes.Encode("Answer:\u200b"), kept);
    }

    [Fact]
    public void The_harness_split_on_qwen3s_real_tokenizer()
    {
        using var dir = new TempDirectory();
        string fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tokenizers", "qwen3");
        using (var gz = new System.IO.Compression.GZipStream(File.OpenRead(Path.Combine(fixtures, "tokenizer.json.gz")), System.IO.Compression.CompressionMode.Decompress))
        using (var file = File.Create(dir.Combine("tokenizer.json")))
            gz.CopyTo(file);
        File.Copy(Path.Combine(fixtures, "tokenizer_config.json"), dir.Combine("tokenizer_config.json"));
        var qwen = TokenizerFactory.Create("hf:" + dir.Path);
        // No merge across the boundary: the two parts are the joint encoding, cut after the context's own tokens.
        var (ctx, cont) = TaskPrompt.EncodePair(qwen, "Question: What is 2 + 2?\nAnswer:", " 4");
        Assert.Equal(qwen.Encode("Question: What is 2 + 2?\nAnswer: 4"), ctx.Concat(cont).ToArray());
        Assert.Equal(qwen.Encode(" 4"), cont);
        // A merge across it (" cats"): the context keeps its own tokens, the continuation is what the joint encoding has after as many.
        var (ctx2, cont2) = TaskPrompt.EncodePair(qwen, "The cat", "s sat");
        Assert.Equal(qwen.Encode("The cat"), ctx2);
        Assert.Equal(qwen.Encode("The cats sat")[ctx2.Length..], cont2);
        Assert.NotEqual(qwen.Encode("The cats sat"), ctx2.Concat(cont2).ToArray());
        Assert.Empty(TaskPrompt.Start(qwen, TaskPrompt.Harness, ctx.Length)); // Qwen frames with no BOS; the harness prepends nothing
        Assert.Equal(new[] { 151643 }, TaskPrompt.Start(qwen, TaskPrompt.Harness, 0));  // <|endoftext|> before an empty context
    }

    [Fact]
    public void Sequences_start_as_the_harness_frames_them_or_as_a_training_document()
    {
        var bytes = TokenizerFactory.Create("bytes");
        Assert.Empty(TaskPrompt.Start(bytes, TaskPrompt.Harness, contextTokens: 3));
        Assert.Equal([256], TaskPrompt.Start(bytes, TaskPrompt.Harness, contextTokens: 0)); // the harness's end-of-text id before an empty context
        Assert.Equal([256], TaskPrompt.Start(bytes, TaskPrompt.Document, contextTokens: 3));
    }

    [Fact]
    public void Under_the_harness_start_an_empty_context_is_scored_after_the_end_of_text_id()
    {
        using var model = new Transformer(Config, seed: 5);
        var bytes = TokenizerFactory.Create("bytes");
        var score = LikelihoodScorer.Score(model, bytes, [("", "Hello")], 4, CPU)[0];
        Assert.Equal(Naive(model, [256, .. "Hello"u8.ToArray().Select(b => (int)b)], 5), score.LogLikelihood, 4);
    }

    [Fact]
    public void The_harness_takes_the_context_ids_from_the_context_alone_the_document_start_from_the_joint_encoding()
    {
        // gpt2 encodes " cats" as one token: "The cat" + "s sat" encodes jointly as "The", " cats", " sat" — the harness keeps
        // the context's own ids ("The", " cat") and takes the joint ids past their count; the document start takes both from the joint.
        var gpt2 = TokenizerFactory.Create("gpt2");
        var (ctx, cont) = TaskPrompt.EncodePair(gpt2, "The cat", "s sat", TaskPrompt.Harness);
        Assert.Equal(gpt2.Encode("The cat"), ctx);
        Assert.Equal(gpt2.Encode("The cats sat")[ctx.Length..], cont);
        var (jointCtx, jointCont) = TaskPrompt.EncodePair(gpt2, "The cat", "s sat", TaskPrompt.Document);
        Assert.Equal(gpt2.Encode("The cats sat")[..ctx.Length], jointCtx);
        Assert.Equal(cont, jointCont);
        Assert.NotEqual(ctx, jointCtx); // the two rules differ exactly where a merge crosses the boundary
    }
}

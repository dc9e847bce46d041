// The decoder-only language model: embedding, L blocks, final norm, output projection (optionally tied).
// Parameters are fp32 masters; ComputeType (fp32 or bf16) is the dtype matmuls and attention run in, while the
// residual stream and the norms stay fp32, as under PyTorch autocast. Under train.zero=2 the parameters themselves are
// bf16 (their fp32 masters live sharded in the optimizer): matmuls use them as they are, the norms and the residual
// stream still compute in fp32.
// State-dict keys follow Hugging Face Llama (without its "model." prefix, which export adds).
// Dimensions: B batch, T time, C width, V vocabulary.
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using Rho1.Model.Runtime;

namespace Rho1.Model;

public sealed class Transformer : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "embed_tokens")] readonly Parameter _embedding; // (V, C)
    [ComponentName(Name = "layers")] readonly ModuleList<DecoderBlock> _layers;
    [ComponentName(Name = "norm")] readonly RmsNorm _norm;
    [ComponentName(Name = "lm_head")] readonly Linear? _lmHead; // null when tied

    readonly Rotary _rotary;
    readonly ComputeCasts _casts = new();

    public ModelConfig Config { get; }

    /// <summary>Dtype of matmuls and attention: Float32 or BFloat16. Weights, norms and the residual stream stay fp32.</summary>
    public ScalarType ComputeType
    {
        get => _casts.ComputeType;
        set => _casts.ComputeType = value;
    }

    /// <summary>The cast cache shared by every projection; the trainer drops it after each update (WeightsChanged).</summary>
    public ComputeCasts Casts => _casts;

    /// <summary>
    /// Builds the model with weights drawn from <paramref name="seed"/> (same seed, same weights on CPU); with
    /// <paramref name="initialise"/> false the weights are left unset, for a caller that loads them next.
    /// </summary>
    public Transformer(ModelConfig config, long seed, bool initialise = true) : base(nameof(Transformer))
    {
        config.Validate();
        Config = config;
        _rotary = new Rotary(config.HeadDim, config.ContextLength, config.RopeTheta, config.RopeScaling);
        _embedding = new Parameter(torch.empty(config.VocabSize, config.Dim));
        _layers = new ModuleList<DecoderBlock>(Enumerable.Range(0, config.Layers).Select(_ => new DecoderBlock(config, _rotary, _casts)).ToArray());
        _norm = new RmsNorm(config.Dim, config.NormEps);
        _lmHead = config.TiedEmbeddings ? null : new Linear(config.Dim, config.VocabSize, _casts);
        RegisterComponents();
        if (initialise)
            Initialise(seed);
    }

    void Initialise(long seed)
    {
        using var noGrad = torch.no_grad();
        var generator = new Generator((ulong)seed);
        double std = Config.InitStd;
        double residualStd = std / Math.Sqrt(2.0 * Config.Layers); // GPT-2: keep the residual stream's variance flat in depth
        var residual = _layers.SelectMany(l => l.ResidualProjections).Select(p => p.Weight.Handle).ToHashSet();
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("layernorm.weight", StringComparison.Ordinal) || name.EndsWith("_norm.weight", StringComparison.Ordinal) || name == "norm.weight")
                continue; // RMSNorm weights start at one
            if (name.EndsWith(".bias", StringComparison.Ordinal))
                continue; // biases start at zero
            p.normal_(0, residual.Contains(p.Handle) ? residualStd : std, generator);
        }
    }

    /// <summary>
    /// Positions of the output layer and cross-entropy computed at a time in TokenLosses (train.loss_chunk_tokens); 0: all
    /// at once, through the whole (B, T, V) logits tensor; -1 (auto): as ChunkedTokenLoss.Resolve picks for the vocabulary.
    /// </summary>
    public long LossChunkTokens { get; set; } = -1;

    /// <summary>
    /// Rows of the training loss's output-layer cast (chunked or whole logits) are padded with zeros to a multiple of this (1:
    /// none), so that the head's matmuls see a vocabulary that tensor-core kernels tile (50,257 → 50,304 at 128, llm.c's
    /// padding); padding logits never count, and weights, checkpoints and exports keep the real vocabulary. Only where that
    /// cast exists (a compute dtype other than the weight's); evaluation's logits stay unpadded; the training run sets 128 on CUDA.
    /// </summary>
    public long VocabularyPadding { get; set; } = 1;

    /// <summary>Recompute each decoder block's activations in backward instead of keeping them (train.activation_checkpointing).</summary>
    public bool ActivationCheckpointing { get; set; }

    /// <summary>Handles of this model's custom backwards (checkpointed blocks, chunked token losses); see BackwardHandles.</summary>
    readonly BackwardHandles _backwardHandles = new();

    /// <summary>The chunked token losses' (chunk, V) and (V, C) buffers, kept from step to step (TensorWorkspace says why).</summary>
    readonly TensorWorkspace _lossWorkspace = new();

    /// <summary>Disposes the gradients this model's custom backwards handed to libtorch: call once a backward pass is over
    /// (the next forward does it too).</summary>
    public void ReleaseBackwardHandles() => _backwardHandles.Release();

    /// <summary>Logits (B, T, V) in ComputeType for token ids (B, T).</summary>
    public override Tensor forward(Tensor tokens)
    {
        using var scope = torch.NewDisposeScope();
        var logits = nn.functional.linear(Hidden(tokens).to(ComputeType), OutputWeight(), null); // (B, T, V)
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>The embeddings (B, T, C) fp32 of token ids (B, T), refusing a sequence longer than the context or the sliding window.</summary>
    Tensor Embed(Tensor tokens)
    {
        long b = tokens.shape[0], t = tokens.shape[1];
        if (t > Config.ContextLength)
            throw new UserErrorException($"sequence length {t} exceeds model.context_length={Config.ContextLength}");
        if (Config.SlidingWindow > 0 && t > Config.SlidingWindow)
            throw new UserErrorException($"sequence length {t} exceeds the model's sliding_window={Config.SlidingWindow}; Rho1 attends over whole windows, which equals sliding-window attention only up to its length");
        return _embedding.index_select(0, tokens.reshape(-1)).view(b, t, Config.Dim).to(ScalarType.Float32); // a no-op unless the weights are bf16 (train.zero=2)
    }

    /// <summary>The final norm's output (B, T, C) fp32 for token ids (B, T): everything but the output layer.</summary>
    Tensor Hidden(Tensor tokens)
    {
        _backwardHandles.Release(); // an earlier backward pass is over
        var x = Embed(tokens); // (B, T, C) fp32
        bool checkpoint = ActivationCheckpointing && torch.is_grad_enabled();
        _casts.ShareCastsWithRecompute = checkpoint; // the blocks' forwards (without gradient) and recomputes share casts
        try
        {
            foreach (var layer in _layers)
                x = checkpoint ? CheckpointedBlock.Of(layer, x, _backwardHandles) : layer.forward(x);
        }
        finally
        {
            _casts.ShareCastsWithRecompute = false;
        }
        return _norm.forward(x);
    }

    /// <summary>
    /// Cached decoding's first pass (no gradient): runs right-padded prompts <paramref name="tokens"/> (B, T), keeps every
    /// layer's keys and values of positions 0 … T − 1 in <paramref name="cache"/>, and returns the logits (B, V) at row b's
    /// position <paramref name="last"/>[b] only (the head is not applied elsewhere).
    /// </summary>
    public Tensor Prefill(Tensor tokens, KvCache cache, Tensor last)
    {
        using var scope = torch.NewDisposeScope();
        long b = tokens.shape[0], t = tokens.shape[1];
        var x = Embed(tokens); // (B, T, C) fp32
        for (int i = 0; i < _layers.Count; i++)
            x = _layers[i].Prefill(x, cache[i]);
        using Scalar rowCount = b.ToScalar(), width = t.ToScalar(); // held (HeldScalars.cs)
        using var rows = torch.arange(HeldScalars.Zero, rowCount, HeldScalars.One, device: tokens.device).mul_(width).add_(last, HeldScalars.One); // (B) flat index of each row's last position
        return HeadAt(_norm.forward(x), rows).MoveToOuterDisposeScope(); // (B, V)
    }

    /// <summary>
    /// The logits (N, V) at <paramref name="positions"/> (N flat indices b·T + t into <paramref name="tokens"/> (B, T)) only,
    /// without gradient: the blocks run over every position, the head only where a score is needed (a continuation's
    /// tokens), so no (B, T, V) tensor exists.
    /// </summary>
    public Tensor LogitsAt(Tensor tokens, Tensor positions)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return HeadAt(Hidden(tokens), positions).MoveToOuterDisposeScope();
    }

    /// <summary>The head applied to the rows <paramref name="positions"/> of <paramref name="hidden"/> (B, T, C) flattened: (N, V).</summary>
    Tensor HeadAt(Tensor hidden, Tensor positions) =>
        nn.functional.linear(hidden.view(-1, Config.Dim).index_select(0, positions).to(ComputeType), OutputWeight(), null);

    /// <summary>
    /// One decoding step (no gradient): token <paramref name="tokens"/>[b] (a (B) tensor) at position <paramref name="positions"/>[b]
    /// of each row, attending to the cached positions up to it; returns the logits (B, V) there.
    /// </summary>
    public Tensor DecodeStep(Tensor tokens, KvCache cache, Tensor positions)
    {
        using var scope = torch.NewDisposeScope();
        long b = tokens.shape[0];
        using var capacity = cache.Capacity.ToScalar(); // held (HeldScalars.cs)
        var visible = torch.arange(HeldScalars.Zero, capacity, HeldScalars.One, device: tokens.device).view(1, 1, 1, -1).le(positions.view(-1, 1, 1, 1)); // (B, 1, 1, T_max)
        var x = _embedding.index_select(0, tokens).view(b, 1, Config.Dim); // (B, 1, C)
        for (int i = 0; i < _layers.Count; i++)
            x = _layers[i].Decode(x, cache[i], positions, visible);
        var h = _norm.forward(x).view(b, Config.Dim);
        return nn.functional.linear(h.to(ComputeType), OutputWeight(), null).MoveToOuterDisposeScope(); // (B, V)
    }

    /// <summary>The output layer's weight (V, C) in the compute dtype: the embedding when tied.</summary>
    Tensor OutputWeight() => _casts.Of(OutputMaster);

    /// <summary>The output layer's fp32 weight (V, C): the embedding when tied.</summary>
    Parameter OutputMaster => _lmHead?.Weight ?? _embedding;

    /// <summary>Unreduced next-token loss (B, T) in fp32: cross-entropy of logits(tokens) against targets, chunked as LossChunkTokens says.</summary>
    public Tensor TokenLosses(Tensor tokens, Tensor targets)
    {
        using var scope = torch.NewDisposeScope();
        long b = tokens.shape[0], t = tokens.shape[1];
        Tensor losses;
        long chunk = ChunkedTokenLoss.Resolve(LossChunkTokens, Config.VocabSize);
        if (chunk > 0)
        {
            // the gradient goes to the fp32 weight directly; the matmuls use its cast
            losses = ChunkedTokenLoss.Of(Hidden(tokens).reshape(b * t, Config.Dim), OutputMaster, targets.reshape(-1), chunk, compute: _casts.OutsideGraph(OutputMaster, VocabularyPadding), handles: _backwardHandles, workspace: _lossWorkspace); // (B·T)
        }
        else
        {
            var head = _casts.Padded(OutputMaster, VocabularyPadding); // (V, C), or (V_padded, C) with zero rows
            var logits = nn.functional.linear(Hidden(tokens).to(ComputeType), head, null); // (B, T, V or V_padded)
            if (head.shape[0] != Config.VocabSize)
                logits = logits.narrow(2, 0, Config.VocabSize); // padding logits never count
            losses = nn.functional.cross_entropy(logits.to(ScalarType.Float32).view(-1, Config.VocabSize), targets.reshape(-1), reduction: nn.Reduction.None);
        }
        return losses.view(b, t).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// From now on the blocks' matrices are cast a run at a time (CastRuns) out of the flat store that holds the parameters:
    /// its <paramref name="weights"/> and <paramref name="gradients"/> buffers and each parameter's offset in them (null: not
    /// there). Call when an optimizer has taken the parameters into its store; the runs matter only where a cast is made.
    /// </summary>
    public void CastInRuns(Tensor weights, Tensor gradients, Func<Parameter, long?> offsetOf) =>
        _casts.Runs = new CastRuns(weights, gradients, offsetOf, _layers.Select(l => l.CastPieces));

    /// <summary>Drops cached weight casts: after an optimizer update, loading weights or moving the model.</summary>
    public void WeightsChanged() => _casts.Invalidate();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _casts.Dispose();
            _rotary.Dispose();
            _lossWorkspace.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>Number of parameters (tied embeddings counted once).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());
}

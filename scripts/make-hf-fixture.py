#!/usr/bin/env python3
"""Writes tests/Rho1.Tests/Fixtures/hf-tiny-llama/: a tiny Llama in Hugging Face format and the logits an
independent implementation computes for a fixed input. Run once; the output is committed (a few KB), so CI needs
no Python. Standard library only: the forward pass is written here from the Hugging Face Llama equations
(RMSNorm, rotate-half RoPE with rope_theta, grouped-query attention with a causal softmax, SwiGLU, untied head),
in float64 over the bf16-rounded weights, and shares no code with Rho1.

The model: vocab 48, hidden 16, 2 layers, 4 query heads and 2 key/value heads (GQA), intermediate 40,
rope_theta 500000, untied embeddings, bf16 weights in two safetensors shards with an index.
Other families (FAMILY, the second argument) change what their Hugging Face class changes:
  mistral: MistralForCausalLM with sliding_window 16 (longer than the 8 tokens scored);
  llama31: 2 query heads of size 8, 1 key/value head, rope_theta 10000 with Llama 3.1's "llama3" rope_scaling
           (factor 8, low/high frequency factors 1 and 4 over 128 original positions: one frequency kept, one in
           the ramp, two divided by 8);
  qwen2:   biases on q/k/v, tied embeddings, rope_theta 1e6, rms_norm_eps 1e-6;
  qwen3:   head_dim 8 with 4 heads on a width of 16, per-head RMSNorm of q and k before the rotation;
  bytes:   the llama model over Rho1's `bytes` vocabulary (257: UTF-8 bytes 0-255 and end of document 256, which is
           also eos_token_id), max_position_embeddings 128, and a rho1.json naming that tokenizer (the model
           scripts/make-task-fixture.py scores multiple-choice items with).
Usage: scripts/make-hf-fixture.py [OUT [FAMILY]]
"""
import json
import math
import os
import random
import struct
import sys

FAMILY = sys.argv[2] if len(sys.argv) > 2 else "llama"
OUT = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else os.path.join(os.path.dirname(__file__), "..", "tests", "Rho1.Tests", "Fixtures", "hf-tiny-" + FAMILY)
V, C, L, NH, NKV, F, THETA, EPS = 48, 16, 2, 4, 2, 40, 500000.0, 1e-5
HD = C // NH
TIED, QKV_BIAS, QK_NORM, SCALING = False, False, False, None
if FAMILY == "mistral":
    THETA = 10000.0
elif FAMILY == "llama31":
    NH, NKV, HD, THETA = 2, 1, 8, 10000.0
    SCALING = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 128}
elif FAMILY == "qwen2":
    TIED, QKV_BIAS, THETA, EPS = True, True, 1000000.0, 1e-6
elif FAMILY == "qwen3":
    HD, QK_NORM, THETA, EPS = 8, True, 1000000.0, 1e-6
elif FAMILY == "bytes":
    V = 257
TOKENS = [3, 17, 5, 41, 0, 22, 9, 30]

rng = random.Random(20261127 if FAMILY == "llama" else sum(map(ord, FAMILY)) + 20261203)


def inv_freq(i):
    """Inverse frequency of rotary pair i, scaled as transformers' _compute_llama3_parameters does."""
    inv = THETA ** (-2.0 * i / HD)
    if SCALING is None:
        return inv
    factor, low, high, old = (SCALING[k] for k in ("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"))
    wavelen = 2 * math.pi / inv
    if wavelen < old / high:
        return inv
    if wavelen > old / low:
        return inv / factor
    smooth = (old / wavelen - low) / (high - low)
    return (1 - smooth) * inv / factor + smooth * inv


def bf16(x):
    """The float nearest x in bfloat16 (round to nearest even), as a Python float, and its 2 bytes."""
    bits = struct.unpack("<I", struct.pack("<f", x))[0]
    bits += 0x7FFF + ((bits >> 16) & 1)
    top = (bits >> 16) & 0xFFFF
    return struct.unpack("<f", struct.pack("<I", top << 16))[0], struct.pack("<H", top)


def matrix(rows, cols, std):
    return [[bf16(rng.gauss(0.0, std))[0] for _ in range(cols)] for _ in range(rows)]


def vector(n, mean, std):
    return [bf16(mean + rng.gauss(0.0, std))[0] for _ in range(n)]


weights = {"model.embed_tokens.weight": matrix(V, C, 0.5)}
for i in range(L):
    p = f"model.layers.{i}."
    weights[p + "input_layernorm.weight"] = vector(C, 1.0, 0.1)
    weights[p + "self_attn.q_proj.weight"] = matrix(NH * HD, C, 0.3)
    weights[p + "self_attn.k_proj.weight"] = matrix(NKV * HD, C, 0.3)
    weights[p + "self_attn.v_proj.weight"] = matrix(NKV * HD, C, 0.3)
    weights[p + "self_attn.o_proj.weight"] = matrix(C, NH * HD, 0.3)
    weights[p + "post_attention_layernorm.weight"] = vector(C, 1.0, 0.1)
    weights[p + "mlp.gate_proj.weight"] = matrix(F, C, 0.3)
    weights[p + "mlp.up_proj.weight"] = matrix(F, C, 0.3)
    weights[p + "mlp.down_proj.weight"] = matrix(C, F, 0.2)
    if QKV_BIAS:
        weights[p + "self_attn.q_proj.bias"] = vector(NH * HD, 0.0, 0.3)
        weights[p + "self_attn.k_proj.bias"] = vector(NKV * HD, 0.0, 0.3)
        weights[p + "self_attn.v_proj.bias"] = vector(NKV * HD, 0.0, 0.3)
    if QK_NORM:
        weights[p + "self_attn.q_norm.weight"] = vector(HD, 1.0, 0.2)
        weights[p + "self_attn.k_norm.weight"] = vector(HD, 1.0, 0.2)
weights["model.norm.weight"] = vector(C, 1.0, 0.1)
if not TIED:
    weights["lm_head.weight"] = matrix(V, C, 0.3)


def linear(x, w):  # x: [in], w: [out][in] -> [out]
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def rms_norm(x, w):
    inv = 1.0 / math.sqrt(sum(v * v for v in x) / len(x) + EPS)
    return [v * inv * g for v, g in zip(x, w)]


def rope(vec, pos):  # one head of size HD, rotate-half layout
    half = HD // 2
    out = [0.0] * HD
    for i in range(half):
        angle = pos * inv_freq(i)
        c, s = math.cos(angle), math.sin(angle)
        out[i] = vec[i] * c - vec[i + half] * s
        out[i + half] = vec[i + half] * c + vec[i] * s
    return out


def silu(v):
    return v / (1.0 + math.exp(-v))


def forward(tokens):
    x = [list(weights["model.embed_tokens.weight"][t]) for t in tokens]
    T = len(tokens)
    for i in range(L):
        p = f"model.layers.{i}."
        h = [rms_norm(row, weights[p + "input_layernorm.weight"]) for row in x]
        q = [linear(r, weights[p + "self_attn.q_proj.weight"]) for r in h]
        k = [linear(r, weights[p + "self_attn.k_proj.weight"]) for r in h]
        v = [linear(r, weights[p + "self_attn.v_proj.weight"]) for r in h]
        if QKV_BIAS:
            q = [[a + b for a, b in zip(r, weights[p + "self_attn.q_proj.bias"])] for r in q]
            k = [[a + b for a, b in zip(r, weights[p + "self_attn.k_proj.bias"])] for r in k]
            v = [[a + b for a, b in zip(r, weights[p + "self_attn.v_proj.bias"])] for r in v]
        if QK_NORM:  # Qwen3: each head's q and k normalised over its HD values, before the rotation
            q = [[y for head in range(NH) for y in rms_norm(r[head * HD:(head + 1) * HD], weights[p + "self_attn.q_norm.weight"])] for r in q]
            k = [[y for head in range(NKV) for y in rms_norm(r[head * HD:(head + 1) * HD], weights[p + "self_attn.k_norm.weight"])] for r in k]
        heads = []
        for head in range(NH):
            kv = head // (NH // NKV)  # grouped-query: query heads share key/value heads in blocks
            qs = [rope(q[t][head * HD:(head + 1) * HD], t) for t in range(T)]
            ks = [rope(k[t][kv * HD:(kv + 1) * HD], t) for t in range(T)]
            vs = [v[t][kv * HD:(kv + 1) * HD] for t in range(T)]
            out = []
            for t in range(T):
                scores = [sum(a * b for a, b in zip(qs[t], ks[s])) / math.sqrt(HD) for s in range(t + 1)]
                m = max(scores)
                e = [math.exp(sc - m) for sc in scores]
                z = sum(e)
                out.append([sum(e[s] / z * vs[s][d] for s in range(t + 1)) for d in range(HD)])
            heads.append(out)
        attn = [[heads[head][t][d] for head in range(NH) for d in range(HD)] for t in range(T)]
        x = [[a + b for a, b in zip(x[t], linear(attn[t], weights[p + "self_attn.o_proj.weight"]))] for t in range(T)]
        h = [rms_norm(row, weights[p + "post_attention_layernorm.weight"]) for row in x]
        mlp = []
        for r in h:
            g = linear(r, weights[p + "mlp.gate_proj.weight"])
            u = linear(r, weights[p + "mlp.up_proj.weight"])
            mlp.append(linear([silu(a) * b for a, b in zip(g, u)], weights[p + "mlp.down_proj.weight"]))
        x = [[a + b for a, b in zip(x[t], mlp[t])] for t in range(T)]
    x = [rms_norm(row, weights["model.norm.weight"]) for row in x]
    return [linear(row, weights["model.embed_tokens.weight" if TIED else "lm_head.weight"]) for row in x]


def write_safetensors(path, names):
    header, blobs, offset = {}, [], 0
    for name in names:
        w = weights[name]
        rows = w if isinstance(w[0], list) else [w]
        data = b"".join(bf16(v)[1] for row in rows for v in row)
        shape = [len(w), len(w[0])] if isinstance(w[0], list) else [len(w)]
        header[name] = {"dtype": "BF16", "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


os.makedirs(OUT, exist_ok=True)
names = list(weights)
shards = {"model-00001-of-00002.safetensors": names[: len(names) // 2], "model-00002-of-00002.safetensors": names[len(names) // 2:]}
for file, part in shards.items():
    write_safetensors(os.path.join(OUT, file), part)
total = sum(2 * (len(w) * (len(w[0]) if isinstance(w[0], list) else 1)) for w in weights.values())
json.dump({"metadata": {"total_size": total}, "weight_map": {n: f for f, part in shards.items() for n in part}},
          open(os.path.join(OUT, "model.safetensors.index.json"), "w"), indent=2)
config = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": V, "hidden_size": C, "intermediate_size": F,
    "num_hidden_layers": L, "num_attention_heads": NH, "num_key_value_heads": NKV, "max_position_embeddings": 64,
    "rms_norm_eps": EPS, "rope_theta": THETA, "rope_scaling": None, "hidden_act": "silu", "tie_word_embeddings": False,
    "torch_dtype": "bfloat16", "bos_token_id": 1, "eos_token_id": 2, "attention_bias": False, "mlp_bias": False,
}
if FAMILY == "mistral":
    config.update({"architectures": ["MistralForCausalLM"], "model_type": "mistral", "sliding_window": 16})
    del config["attention_bias"], config["mlp_bias"], config["rope_scaling"]
elif FAMILY == "llama31":
    config.update({"rope_scaling": SCALING, "head_dim": HD})
elif FAMILY in ("qwen2", "qwen3"):
    arch = "Qwen2ForCausalLM" if FAMILY == "qwen2" else "Qwen3ForCausalLM"
    config.update({"architectures": [arch], "model_type": FAMILY, "tie_word_embeddings": TIED, "use_sliding_window": False,
                   "sliding_window": 32, "max_window_layers": L, "bos_token_id": 0, "eos_token_id": 2})
    del config["mlp_bias"]
    if FAMILY == "qwen2":
        del config["attention_bias"]
    else:
        config["head_dim"] = HD
elif FAMILY == "bytes":
    config.update({"max_position_embeddings": 128, "eos_token_id": 256})
json.dump(config, open(os.path.join(OUT, "config.json"), "w"), indent=2)
if FAMILY == "bytes":
    json.dump({"tokenizer": "bytes", "vocab_size": V, "eos_id": 256, "seq_len": 64}, open(os.path.join(OUT, "rho1.json"), "w"), indent=2)
json.dump({"tokens": TOKENS, "logits": [[round(v, 7) for v in row] for row in forward(TOKENS)]},
          open(os.path.join(OUT, "expected-logits.json"), "w"))
print(f"wrote {OUT}")

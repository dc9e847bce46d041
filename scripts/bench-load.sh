#!/usr/bin/env bash
# Peak memory and time of reading a large Hugging Face directory: a Qwen2.5-7B-shaped model (width 3584, MLP 18944,
# 28 query / 4 key-value heads, vocabulary 152064, untied head: its embedding is 2.2 GB in fp32, past .NET's 2 GiB
# span limit) cut to LAYERS decoder blocks (default 2, so it fits a 24 GB machine), bf16 weights of zeros in a sparse
# safetensors file, Qwen3's tokenizer. `rho1 sample --max-tokens 0` reads config, tokenizer and every weight into the
# fp32 model; /usr/bin/time gives the peak RSS, compared with the fp32 model's size.
# Usage: scripts/bench-load.sh [OUTDIR] (needs a Release build and python3)
# Time: 22 s with the default 2 layers (2 vCPUs, 2026-12-07); each further layer adds its bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
layers=${LAYERS:-2}
mkdir -p "$out/model"
gunzip -c tests/Rho1.Tests/Fixtures/tokenizers/qwen3/tokenizer.json.gz > "$out/model/tokenizer.json"
cp tests/Rho1.Tests/Fixtures/tokenizers/qwen3/tokenizer_config.json "$out/model/"
python3 - "$out/model" "$layers" <<'PY'
import json, os, struct, sys
out, L = sys.argv[1], int(sys.argv[2])
V, C, F, NH, NKV = 152064, 3584, 18944, 28, 4
HD = C // NH
shapes = {"model.embed_tokens.weight": [V, C], "model.norm.weight": [C], "lm_head.weight": [V, C]}
for i in range(L):
    p = f"model.layers.{i}."
    shapes.update({p + "input_layernorm.weight": [C], p + "post_attention_layernorm.weight": [C],
                   p + "self_attn.q_proj.weight": [NH * HD, C], p + "self_attn.q_proj.bias": [NH * HD],
                   p + "self_attn.k_proj.weight": [NKV * HD, C], p + "self_attn.k_proj.bias": [NKV * HD],
                   p + "self_attn.v_proj.weight": [NKV * HD, C], p + "self_attn.v_proj.bias": [NKV * HD],
                   p + "self_attn.o_proj.weight": [C, NH * HD], p + "mlp.gate_proj.weight": [F, C],
                   p + "mlp.up_proj.weight": [F, C], p + "mlp.down_proj.weight": [C, F]})
header, offset = {"__metadata__": {"format": "pt"}}, 0
for name, shape in shapes.items():
    n = 2
    for d in shape: n *= d
    header[name] = {"dtype": "BF16", "shape": shape, "data_offsets": [offset, offset + n]}
    offset += n
text = json.dumps(header).encode()
text += b" " * ((8 - len(text) % 8) % 8)
with open(os.path.join(out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text)
    f.truncate(8 + len(text) + offset)  # zeros, sparse: nothing written
json.dump({"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": V, "hidden_size": C,
           "intermediate_size": F, "num_hidden_layers": L, "num_attention_heads": NH, "num_key_value_heads": NKV,
           "max_position_embeddings": 32768, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "hidden_act": "silu",
           "tie_word_embeddings": False, "use_sliding_window": False, "sliding_window": 131072, "max_window_layers": L,
           "bos_token_id": 151643, "eos_token_id": 151643, "torch_dtype": "bfloat16"}, open(os.path.join(out, "config.json"), "w"))
params = offset // 2
print(f"parameters {params:,}; fp32 model {params * 4 / 1e9:.2f} GB; bf16 file {offset / 1e9:.2f} GB")
PY
flags=$(grep -o 'avx512_bf16\|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')
echo "CPU flags: ${flags:-none of avx512_bf16/amx_bf16}"
/usr/bin/time -v dotnet src/Rho1.Cli/bin/Release/net10.0/rho1.dll sample --model "$out/model" --prompt "x" --max-tokens 0 --device cpu \
    2> "$out/time.txt" > /dev/null || { cat "$out/time.txt"; exit 1; }
grep -E "Maximum resident|Elapsed" "$out/time.txt"

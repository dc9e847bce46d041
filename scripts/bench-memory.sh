#!/usr/bin/env bash
# Peak memory and step time against gradient accumulation: train-ref at train.grad_accum 1 and 8 with the same
# micro-batch, per model and precision, each one process under GNU time (peak RSS) with the median of its logged
# tokens/s after the first step (which pays for warm-up) as its speed. Accumulation must cost time, not memory: peak RSS at 8
# should be within 15% of 1. With BASELINE_DLL=path/to/rho1.dll (a build of an older commit), every configuration
# also runs that build right after this one, so that the two are compared in the same spell of a shared machine.
# Prints a markdown table. Heavy: run it alone (two libtorch processes on 2 cores slow each other down many times).
# Usage: scripts/bench-memory.sh [--quick] [WORKDIR]    (--quick: small only; GPT2_BATCH and GPT2_STEPS set gpt2-124m's micro-batch and steps, default 2 and 3)
# Time: --quick 2 min (4.5 min with BASELINE_DLL) on 2 vCPUs (AMD EPYC, avx512_bf16, 2026-12-07); without --quick gpt2-124m runs too (not timed then).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib/cpu-bench.sh
source "$repo/scripts/lib/cpu-bench.sh"
cpu_bench_setup "$@"
current=$dll

log "generating data"
dotnet "$current" quickstart --out "$work/qs" --set train.steps=4 -q > /dev/null
dotnet "$current" prepare --input "$work/qs/corpus/noisy.jsonl" --output "$work/bytes" --tokenizer bytes --force -q > /dev/null
dotnet "$current" prepare --input "$work/qs/corpus/noisy.jsonl" --output "$work/gpt2" --tokenizer gpt2 --force -q > /dev/null

precisions=(fp32)
[[ -n $flags ]] && precisions+=(bf16) # emulated bf16 is hundreds of times slower: measured only where the CPU has it
models=(small); [[ $quick == 0 ]] && models+=(gpt2-124m)
declare -A data=([small]=bytes [gpt2-124m]=gpt2) batch=([small]=8 [gpt2-124m]=${GPT2_BATCH:-2}) steps=([small]=6 [gpt2-124m]=${GPT2_STEPS:-3})

measure() { # dll model precision accum -> "peak_MB ms_per_1k_tokens"
    local dll=$1 model=$2 precision=$3 accum=$4 run="$work/run"
    /usr/bin/time -f "%M" -o "$work/peak" dotnet "$dll" train-ref --config "$model" --data "$work/${data[$model]}" --out "$run" --force -q \
        --set train.steps=${steps[$model]} --set train.log_every=1 --set train.eval_every=0 --set train.checkpoint_every=0 --set train.warmup_steps=1 \
        --set train.batch_size=${batch[$model]} --set train.grad_accum=$accum --set train.precision=$precision > /dev/null
    python3 - "$work/peak" "$run/metrics.jsonl" <<'PY'
import json, statistics, sys
peak_kb = int(open(sys.argv[1]).read().split()[-1])
rows = [json.loads(l) for l in open(sys.argv[2]) if '"tokens_per_s"' in l]
print(f"{peak_kb / 1024:.0f} {1e6 / statistics.median(r['tokens_per_s'] for r in rows[1:]):.1f}")
PY
}

builds=(current); [[ -n ${BASELINE_DLL:-} ]] && builds+=(baseline)
declare -A dll=([current]=$current [baseline]=${BASELINE_DLL:-})
echo "CPU: $cpu; native bf16: ${flags:-none}; $(date -u +%F)"
echo
echo "| model | precision | micro-batch | build | peak RSS MB, accum 1 | accum 8 | 8 / 1 | ms per 1k tokens, accum 1 | accum 8 |"
echo "|---|---|---|---|---:|---:|---:|---:|---:|"
for model in "${models[@]}"; do
    for precision in "${precisions[@]}"; do
        for build in "${builds[@]}"; do
            log "$model $precision $build"
            read -r peak1 ms1 < <(measure "${dll[$build]}" "$model" "$precision" 1)
            read -r peak8 ms8 < <(measure "${dll[$build]}" "$model" "$precision" 8)
            ratio=$(awk -v a="$peak8" -v b="$peak1" 'BEGIN{printf "%.2f", a/b}')
            echo "| $model | $precision | ${batch[$model]} × $(grep -o '"seq_len": [0-9]*' "$repo/configs/$model.json" | grep -o '[0-9]*$') | $build | $peak1 | $peak8 | $ratio | $ms1 | $ms8 |"
        done
    done
done

#!/usr/bin/env bash
# Throughput with a large vocabulary against the same shape over bytes: tokens/s, MFU and peak RSS of `train-ref` for
# `small` (16 × 256) and `gpt2-124m` (4 × 1024), each over bytes (257) and over gpt2's 50,257 tokens, fp32 and bf16,
# one process at a time, median of the logged steps after the first. The issue-25 target: MFU with gpt2's vocabulary
# within 80% of the bytes run of the same shape and precision. Heavy (about 20 minutes on 2 cores): run it alone.
# Usage: scripts/bench-vocab.sh [--quick] [WORKDIR]    (--quick: small only)
# Extra settings for every run: BENCH_SETS="--set train.loss_chunk_tokens=0" (say). Only some models: MODELS="gpt2-124m".
# Time: --quick 2 min on 2 vCPUs (AMD EPYC, avx512_bf16, 2026-12-07); the full run about 20 min.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib/cpu-bench.sh
source "$repo/scripts/lib/cpu-bench.sh"
cpu_bench_setup "$@"

log "data"
[[ -f "$work/qs/corpus/noisy.jsonl" ]] || dotnet "$dll" quickstart --out "$work/qs" --set train.steps=4 -q > /dev/null 2>&1
[[ -d "$work/bytes" ]] || dotnet "$dll" prepare --input "$work/qs/corpus/noisy.jsonl" --output "$work/bytes" --tokenizer bytes --force -q > /dev/null
[[ -d "$work/gpt2" ]] || dotnet "$dll" prepare --input "$work/qs/corpus/noisy.jsonl" --output "$work/gpt2" --tokenizer gpt2 --force -q > /dev/null

# run model data precision steps sets... -> "tokens/s mfu peak_mb peak_gflops" (the matmul peak the run measured at its start)
run() {
    local model=$1 data=$2 precision=$3 steps=$4; shift 4
    # shellcheck disable=SC2086
    /usr/bin/time -f %M -o "$work/peak" dotnet "$dll" train-ref --config "$model" --data "$work/$data" --out "$work/run" --force -q \
        --set train.steps="$steps" --set train.log_every=1 --set train.eval_every=0 --set train.checkpoint_every=0 --set train.warmup_steps=1 \
        --set train.precision="$precision" "$@" ${BENCH_SETS:-} > /dev/null 2>&1 < /dev/null
    python3 - "$work" <<'PY'
import json, statistics, sys
work = sys.argv[1]
rows = [json.loads(l) for l in open(f"{work}/run/metrics.jsonl") if '"tokens_per_s"' in l][1:]
print(statistics.median(r["tokens_per_s"] for r in rows), statistics.median(r["mfu"] for r in rows), int(open(f"{work}/peak").read()) / 1024,
      json.load(open(f"{work}/run/summary.json"))["peak_gflops"])
PY
}

echo "CPU: $cpu; native bf16: ${flags:-none}; $(date -u +%F)${BENCH_SETS:+; $BENCH_SETS}"
echo
echo "| model | precision | bytes tokens/s | bytes MFU | gpt2 tokens/s | gpt2 MFU | MFU ratio | gpt2 peak RSS MB | matmul peak GFLOP/s |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
cases=("small 6 --set train.batch_size=16")
[[ $quick == 1 ]] || cases+=("gpt2-124m 6 --set train.batch_size=4 --set train.grad_accum=1")
for c in "${cases[@]}"; do
    read -r model steps sets <<< "$c"
    [[ -n ${MODELS:-} && " $MODELS " != *" $model "* ]] && continue
    for precision in fp32 bf16; do
        log "$model $precision"
        # shellcheck disable=SC2086
        read -r bt bm _ bpk <<< "$(run "$model" bytes "$precision" "$steps" $sets)"
        # shellcheck disable=SC2086
        read -r gt gm gp gpk <<< "$(run "$model" gpt2 "$precision" "$steps" $sets)"
        # Each run measures the matmul peak at its start, and on a shared VM it moves by up to 20% between runs: both MFUs
        # are given against the higher of the two peaks, so that their ratio is that of the FLOP/s the runs achieved.
        python3 -c "
peak = max($bpk, $gpk); b = $bm * $bpk / peak; g = $gm * $gpk / peak
print(f'| $model | $precision | {$bt:,.0f} | {b*100:.1f}% | {$gt:,.0f} | {g*100:.1f}% | {g/b:.2f} | {$gp:,.0f} | {peak:,.0f} |')"
    done
done

#!/usr/bin/env bash
# `rho1 plan` against measurement: peak RSS per rank of train-ref (GNU time around each rank) beside the plan's total for
# the same settings, for `small` (bytes vocabulary) and `gpt2-124m` (gpt2's 50,257), fp32 and bf16, with and without
# activation checkpointing, chunked losses, and on 2 ranks (mpirun, one thread each) with and without ZeRO-1.
# Prints a markdown table; the target is |measured / plan − 1| <= 15%. Heavy: run it alone.
# Usage: [ONLY=REGEX] scripts/bench-plan.sh [--quick] [WORKDIR]    (--quick: small only; ONLY: the cases whose name matches)
# Time: --quick 1.5 min on 2 vCPUs (AMD EPYC, 2026-12-07); the full matrix (gpt2-124m too) was not timed then.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib/cpu-bench.sh
source "$repo/scripts/lib/cpu-bench.sh"
cpu_bench_setup "$@"
command -v mpirun > /dev/null || { echo "bench-plan.sh needs Open MPI for its 2-rank cases: apt-get install -y openmpi-bin" >&2; exit 2; }

log "data"
[[ -f "$work/qs/corpus/noisy.jsonl" ]] || dotnet "$dll" quickstart --out "$work/qs" --set train.steps=4 -q > /dev/null
[[ -d "$work/bytes" ]] || dotnet "$dll" prepare --input "$work/qs/corpus/noisy.jsonl" --output "$work/bytes" --tokenizer bytes --force -q > /dev/null
[[ -d "$work/gpt2" ]] || dotnet "$dll" prepare --input "$work/qs/corpus/noisy.jsonl" --output "$work/gpt2" --tokenizer gpt2 --force -q > /dev/null

# case: name model vocab ranks steps sets...
measure() {
    local name=$1 model=$2 vocab=$3 ranks=$4 steps=$5; shift 5
    [[ -n ${ONLY:-} && ! $name =~ $ONLY ]] && return 0
    local data=$([[ $vocab == 257 ]] && echo bytes || echo gpt2)
    local sets=(--set train.steps="$steps" --set train.log_every=1 --set train.eval_every=0 --set train.checkpoint_every=0 --set train.warmup_steps=1 "$@")
    local planned zero=0 ckpt=0
    [[ " $* " == *"train.zero=1"* ]] && zero=1
    planned=$(dotnet "$dll" plan --config "$model" --vocab-size "$vocab" --world "$ranks" "${sets[@]}" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['total_bytes'])")
    rm -f "$work"/peak.*
    if [[ $ranks == 1 ]]; then
        /usr/bin/time -f "%M" -o "$work/peak.0" dotnet "$dll" train-ref --config "$model" --data "$work/$data" --out "$work/run" --force -q "${sets[@]}" > /dev/null
    else
        OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun -np "$ranks" --oversubscribe -x OMP_NUM_THREADS bash -c \
            "/usr/bin/time -f %M -o $work/peak.\$OMPI_COMM_WORLD_RANK dotnet $dll train-ref --config $model --data $work/$data --out $work/run --force -q --threads 1 ${sets[*]}" > /dev/null
    fi
    local measured; measured=$(cat "$work"/peak.* | sort -n | tail -1)
    python3 - "$name" "$planned" "$measured" "$ranks" <<'PY'
import sys
name, planned, measured_kb, ranks = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
measured = measured_kb * 1024
print(f"| {name} | {ranks} | {planned / 1e6:,.0f} | {measured / 1e6:,.0f} | {measured / planned:.2f} |")
PY
}

echo "CPU: $cpu; native bf16: ${flags:-none}; $(date -u +%F)"
echo
echo "| case | ranks | plan MB per rank | measured peak RSS MB (largest rank) | measured / plan |"
echo "|---|---:|---:|---:|---:|"
log "small"
measure "small fp32, 8 × 256" small 257 1 6 --set train.batch_size=8 --set train.precision=fp32
measure "small bf16, 8 × 256" small 257 1 6 --set train.batch_size=8 --set train.precision=bf16
measure "small fp32, 8 × 256, checkpointing" small 257 1 6 --set train.batch_size=8 --set train.precision=fp32 --set train.activation_checkpointing=true
measure "small fp32, 16 × 256 over 2 ranks" small 257 2 6 --set train.batch_size=16 --set train.precision=fp32
measure "small fp32, 16 × 256 over 2 ranks, ZeRO-1" small 257 2 6 --set train.batch_size=16 --set train.precision=fp32 --set train.zero=1
[[ $quick == 1 ]] && exit 0
log "gpt2-124m"
measure "gpt2-124m fp32, 1 × 1024, whole logits" gpt2-124m 50257 1 3 --set train.batch_size=1 --set train.grad_accum=1 --set train.precision=fp32 --set train.loss_chunk_tokens=0
measure "gpt2-124m fp32, 1 × 1024" gpt2-124m 50257 1 3 --set train.batch_size=1 --set train.grad_accum=1 --set train.precision=fp32
measure "gpt2-124m fp32, 1 × 1024, checkpointing" gpt2-124m 50257 1 3 --set train.batch_size=1 --set train.grad_accum=1 --set train.precision=fp32 --set train.activation_checkpointing=true
measure "gpt2-124m bf16, 2 × 1024" gpt2-124m 50257 1 3 --set train.batch_size=2 --set train.grad_accum=1 --set train.precision=bf16
measure "gpt2-124m fp32, 2 × 1024 over 2 ranks" gpt2-124m 50257 2 3 --set train.batch_size=2 --set train.grad_accum=1 --set train.precision=fp32
measure "gpt2-124m fp32, 2 × 1024 over 2 ranks, ZeRO-1" gpt2-124m 50257 2 3 --set train.batch_size=2 --set train.grad_accum=1 --set train.precision=fp32 --set train.zero=1

#!/usr/bin/env bash
# Data parallelism on one machine: `small` trained by 1 process × 2 threads against `mpirun -np 2` × 1 thread each
# (same global batch), in fp32, and in bf16 where the CPU computes it natively (BENCH_BF16=1 forces it). Median tokens/s over the logged windows after two warm-up windows, and the
# median gradient all-reduce time per step (allreduce_s). Prints a markdown table. Needs Open MPI's mpirun.
# Usage: scripts/bench-dp.sh [WORKDIR] [STEPS_FP32] [STEPS_BF16]
# Time: 2.5 min with 20 fp32 and 10 bf16 steps on 2 vCPUs (AMD EPYC, avx512_bf16, 2026-12-07).
set -euo pipefail
work=${1:-$(mktemp -d)}
fp32_steps=${2:-40}
bf16_steps=${3:-6}
mkdir -p "$work"
repo=$(cd "$(dirname "$0")/.." && pwd)
dotnet build "$repo/src/Rho1.Cli" -c Release -v q -nologo >&2
rho1=(dotnet "$repo/src/Rho1.Cli/bin/Release/net10.0/rho1.dll")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
[ -d "$work/qs/data/noisy" ] || "${rho1[@]}" quickstart --out "$work/qs" --set train.steps=4 -q > /dev/null
median() { # run-dir key
    python3 -c '
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1] + "/metrics.jsonl") if "\"loss\"" in l][2:]
values = [r[sys.argv[2]] for r in rows if sys.argv[2] in r]
digits = 0 if sys.argv[2] == "tokens_per_s" else 3
print(f"{statistics.median(values):,.{digits}f}" if values else "-")' "$1" "$2"; }
echo "| precision | processes × threads | tokens/s (whole job) | all-reduce s/step | step s, fastest / slowest rank |"
echo "|---|---|---:|---:|---:|"
precisions=(fp32)
# bf16 only where the CPU has it natively: emulated bf16 (AVX2) runs ~76x slower than fp32, hours for these steps.
if grep -qw 'avx512_bf16\|amx_bf16' /proc/cpuinfo || [ "${BENCH_BF16:-0}" = 1 ]; then precisions+=(bf16); fi
for precision in "${precisions[@]}"; do
    steps=$fp32_steps; [ $precision = bf16 ] && steps=$bf16_steps
    args=(train-ref --config small --data "$work/qs/data/noisy" --force --set train.steps=$steps --set train.log_every=1 --set train.eval_every=0
        --set train.checkpoint_every=0 --set train.precision=$precision --set train.peak_gflops=50 -q)
    env -u OMP_NUM_THREADS -u RHO1_THREADS "${rho1[@]}" "${args[@]}" --out "$work/one-$precision" --threads 2 > /dev/null
    echo "| $precision | 1 × 2 | $(median "$work/one-$precision" tokens_per_s) | – | – |"
    env -u OMP_NUM_THREADS -u RHO1_THREADS mpirun -np 2 --oversubscribe "${rho1[@]}" "${args[@]}" --out "$work/two-$precision" --threads 1 > /dev/null
    echo "| $precision | 2 × 1 | $(median "$work/two-$precision" tokens_per_s) | $(median "$work/two-$precision" allreduce_s) | $(median "$work/two-$precision" rank_step_s_min) / $(median "$work/two-$precision" rank_step_s_max) |"
done
echo
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs; $(grep -qw avx512_bf16 /proc/cpuinfo && echo 'native bf16 (avx512_bf16)' || echo 'no avx512_bf16/amx_bf16: bf16 is emulated')"

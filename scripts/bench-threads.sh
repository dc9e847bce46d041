#!/usr/bin/env bash
# CPU threads against speed: tokens/s of tiny and small (fp32) with the default threads, --threads 1 and --threads 2,
# alone and beside another busy libtorch process (a plain training run with libtorch's default threads). One
# measured process at a time; median tokens/s of logged windows after two warm-up windows. Prints a markdown table.
# Usage: scripts/bench-threads.sh [WORKDIR]
# Time: 9 min on 2 vCPUs (AMD EPYC, 2026-12-07).
set -euo pipefail
work=${1:-$(mktemp -d)}
mkdir -p "$work"
repo=$(cd "$(dirname "$0")/.." && pwd)
dotnet build "$repo/src/Rho1.Cli" -c Release -v q -nologo >&2
rho1=(dotnet "$repo/src/Rho1.Cli/bin/Release/net10.0/rho1.dll")
"${rho1[@]}" quickstart --out "$work/qs" --set train.steps=4 -q > /dev/null
median() { python3 -c '
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1] + "/metrics.jsonl") if "\"loss\"" in l][2:]
v = statistics.median(r["tokens_per_s"] for r in rows)
print(f"{v:,.0f}")' "$1"; }
declare -A steps=([tiny]=60 [small]=12) every=([tiny]=5 [small]=2)
flags=$(grep -o -m1 'avx512_bf16\|amx_bf16\|avx512f\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')
echo "| model | threads | alone tokens/s | beside a busy process tokens/s |"
echo "|---|---|---:|---:|"
for model in tiny small; do
    for threads in default 1 2; do
        row="| $model | $threads |"
        for busy in 0 1; do
            pid=""
            if [ $busy = 1 ]; then
                env -u OMP_NUM_THREADS -u RHO1_THREADS "${rho1[@]}" train-ref --config small --data "$work/qs/data/noisy" --out "$work/busy-$model-$threads" \
                    --force --set train.steps=100000 --set train.precision=fp32 --set train.eval_every=0 --set train.checkpoint_every=0 -q > /dev/null 2>&1 &
                pid=$!; sleep 5
            fi
            args=(train-ref --config "$model" --data "$work/qs/data/noisy" --out "$work/run-$model-$threads-$busy" --force --set train.steps=${steps[$model]}
                --set train.log_every=${every[$model]} --set train.eval_every=0 --set train.checkpoint_every=0 --set train.precision=fp32 --set train.peak_gflops=50 -q)
            [ "$threads" != default ] && args+=(--threads "$threads")
            env -u OMP_NUM_THREADS -u RHO1_THREADS "${rho1[@]}" "${args[@]}" > /dev/null
            [ -n "$pid" ] && { kill "$pid"; wait "$pid" 2> /dev/null || true; }
            row+=" $(median "$work/run-$model-$threads-$busy") |"
        done
        echo "$row"
    done
done
echo
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs, flags: ${flags}(no avx512_bf16/amx_bf16 unless listed)"

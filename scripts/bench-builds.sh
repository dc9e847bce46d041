#!/usr/bin/env bash
# Is this build's training as fast as an older one's? Alternates the two builds (BASE_DLL, e.g. a worktree of main
# built with `dotnet build -c Release`, and this checkout's) run by run, so that the machine's drift lands on both, for
# tiny, small and a deep narrow model (tiny with 24 layers of width 32: where per-tensor overhead dominates), in fp32
# and bf16. Each run's tokens/s is the median of its logged windows after two; the table gives each pair's ratio
# (this build / base) and their median. One process at a time, default threads.
# Usage: [MODELS="tiny small deep-narrow"] [PRECISIONS="fp32 bf16"] scripts/bench-builds.sh BASE_DLL [REPEATS] [WORKDIR]
# Time: 22 s for MODELS=tiny PRECISIONS=fp32 and one repeat (2 vCPUs, 2026-12-07); the defaults (18 pairs, small and deep-narrow far slower than tiny) were not timed.
set -euo pipefail
[[ $# -ge 1 && -f $1 ]] || { echo "usage: $0 BASE_DLL [REPEATS] [WORKDIR]   (BASE_DLL: an older build's rho1.dll)" >&2; exit 2; }
base=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
repeats=${2:-3}
work=${3:-$(mktemp -d)}
mkdir -p "$work"
repo=$(cd "$(dirname "$0")/.." && pwd)
dotnet build "$repo/src/Rho1.Cli" -c Release -v q -nologo >&2
current="$repo/src/Rho1.Cli/bin/Release/net10.0/rho1.dll"
flags=$(grep -o 'avx512_bf16\|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ' || true)
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)

dotnet "$current" quickstart --out "$work/qs" --set train.steps=4 --force -q > /dev/null
declare -A shape=([tiny]="--config tiny --set train.steps=300 --set train.log_every=30"
                  [small]="--config small --set train.steps=24 --set train.log_every=4"
                  [deep-narrow]="--config tiny --set model.layers=24 --set model.dim=32 --set model.ffn_dim=96 --set train.steps=150 --set train.log_every=15")
tokens_per_s() { python3 -c 'import json,sys,statistics; r=[json.loads(l) for l in open(sys.argv[1])]; t=[x["tokens_per_s"] for x in r if "tokens_per_s" in x][2:]; print(statistics.median(t))' "$1/metrics.jsonl"; }

echo "CPU: $cpu, $(nproc) cores, flags: ${flags:-none}; $repeats pairs per row, builds alternating"
echo "| model | precision | this build / base, per pair | median | final val loss, base → this build |"
echo "|---|---|---|---:|---|"
for model in ${MODELS:-tiny small deep-narrow}; do
    for precision in ${PRECISIONS:-fp32 bf16}; do
        ratios=()
        for ((i = 0; i < repeats; i++)); do
            declare -A tps=() loss=()
            for build in base current; do
                dll=$base; [[ $build == current ]] && dll=$current
                out="$work/$model-$precision-$build-$i"
                # shellcheck disable=SC2086 # the shape's words are separate arguments
                dotnet "$dll" train-ref ${shape[$model]} --data "$work/qs/data/noisy" --device cpu -q --set train.precision=$precision \
                    --set train.eval_every=0 --set train.checkpoint_every=0 --out "$out" --force > /dev/null
                tps[$build]=$(tokens_per_s "$out")
                loss[$build]=$(python3 -c 'import json, sys; print("%.4f" % [r for r in map(json.loads, open(sys.argv[1])) if "val_loss" in r][-1]["val_loss"])' "$out/metrics.jsonl")
            done
            ratios+=("$(python3 -c "print(f'{${tps[current]} / ${tps[base]}:.3f}')")")
        done
        median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
        echo "| $model | $precision | ${ratios[*]} | $median | ${loss[base]} → ${loss[current]} |"
    done
done

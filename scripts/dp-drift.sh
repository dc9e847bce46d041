#!/usr/bin/env bash
# How far two data-parallel processes drift from one process with the same global batch, step by step: tiny fp32,
# online SLM at 60% (--select batch) and plain training, STEPS steps (default 100), one process and `mpirun -np 2`;
# prints the relative loss difference every 10 steps. Each step's gradients are the single process's up to the
# rounding of a 4-row forward against an 8-row one; that rounding compounds, and under selection a near-tie in the
# top k% can then fall the other way, after which the runs train on different tokens. Needs Open MPI's mpirun.
# Usage: scripts/dp-drift.sh [WORKDIR] [STEPS]
# Time: 20 s for 20 steps on 2 vCPUs (AMD EPYC, 2026-12-07); the default 100 steps were not timed.
set -euo pipefail
work=${1:-$(mktemp -d)}
steps=${2:-100}
mkdir -p "$work"
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v mpirun > /dev/null || { echo "dp-drift.sh needs Open MPI's mpirun (apt-get install openmpi-bin libopenmpi3)" >&2; exit 2; }
dotnet build "$repo/src/Rho1.Cli" -c Release -v q -nologo >&2
rho1="$repo/src/Rho1.Cli/bin/Release/net10.0/rho1.dll"
export OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
dotnet "$rho1" quickstart --out "$work/qs" --set train.steps=40 -q > /dev/null
common=(--config tiny --data "$work/qs/data/noisy" --device cpu -q --set train.steps=$steps --set train.log_every=1 --set train.eval_every=0
        --set train.checkpoint_every=0 --set train.peak_gflops=100)
echo "CPU: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); native bf16: $(grep -o 'avx512_bf16\|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')"
for mode in plain online; do
    args=(train-ref); [[ $mode == online ]] && args=(train --ref "$work/qs/runs/reference" --ratio 0.6 --select batch)
    dotnet "$rho1" "${args[@]}" "${common[@]}" --out "$work/$mode-1" --force > /dev/null
    mpirun -np 2 --oversubscribe dotnet "$rho1" "${args[@]}" "${common[@]}" --out "$work/$mode-2" --force > /dev/null
    python3 - "$work/$mode-1" "$work/$mode-2" "$mode" <<'PY'
import json, sys
def losses(run): return [json.loads(l)["loss"] for l in open(run + "/metrics.jsonl") if '"loss"' in l]
a, b = losses(sys.argv[1]), losses(sys.argv[2])
rel = [abs(x - y) / abs(x) for x, y in zip(a, b)]
print(f"{sys.argv[3]}: " + ", ".join(f"step {i + 1}: {rel[i]:.1e}" for i in range(9, len(rel), 10)))
PY
done

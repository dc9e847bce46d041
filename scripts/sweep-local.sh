#!/usr/bin/env bash
# Runs every cell of a sweep grid on one machine, one cell per free GPU at a time (GPUs with no compute process,
# or those in RHO1_GPUS), or, without GPUs, --jobs CPU processes of one thread each; then collects the reports.
# Cells already finished are reused and interrupted ones resume: rerun the same command after a failure.
# Usage: scripts/sweep-local.sh [--jobs N] GRID OUT [rho1 sweep options, e.g. --data D --eval-data H --ref-scores S]
#   env RHO1: the rho1 command (default: rho1 on PATH); RHO1_GPUS: GPU indices to use, e.g. 0,1,2.
#   Logs: OUT.logs/cell-I.log. Time: the cells' training time over the number of slots. Exit 0 when every cell
#   finished, 1 when one failed (its log is named), 3 when collect found cells missing.
# Time: the cells' own time (tiny-grid.json: 7–9 s with --jobs 3 on 2 vCPUs, as GridSweepTests runs it).
set -euo pipefail
jobs=""
if [ "${1:-}" = "--jobs" ]; then jobs=$2; shift 2; fi
[ $# -ge 2 ] || { echo "usage: $0 [--jobs N] GRID OUT [rho1 sweep options]" >&2; exit 2; }
read -r -a rho1 <<< "${RHO1:-rho1}"
grid=$1 out=$2
shift 2

n=$("${rho1[@]}" sweep --grid "$grid" --out "$out" "$@" --list | grep -c .)
if [ -n "${RHO1_GPUS:-}" ]; then
    IFS=, read -r -a gpus <<< "$RHO1_GPUS"
elif [ -z "$jobs" ] && command -v nvidia-smi > /dev/null && nvidia-smi -L > /dev/null 2>&1; then
    busy=$(nvidia-smi --query-compute-apps=gpu_uuid --format=csv,noheader 2>/dev/null || true)
    gpus=()
    while IFS=', ' read -r index uuid; do
        grep -q "$uuid" <<< "$busy" || gpus+=("$index")
    done < <(nvidia-smi --query-gpu=index,uuid --format=csv,noheader)
    [ ${#gpus[@]} -gt 0 ] || { echo "no free GPU (every one runs a compute process); set RHO1_GPUS to choose" >&2; exit 1; }
else
    gpus=()
fi
slots=${#gpus[@]}
[ "$slots" -gt 0 ] || slots=${jobs:-$(nproc)}
logs="$out.logs"
mkdir -p "$logs"
echo "$n cells over $slots ${gpus:+GPU }slots (${gpus[*]:-CPU, one thread each}); logs in $logs" >&2

run_cell() { # cell index, then the sweep options
    local i=$1
    shift
    if [ ${#gpus[@]} -gt 0 ]; then
        CUDA_VISIBLE_DEVICES=${gpus[$((i % slots))]} "${rho1[@]}" sweep --grid "$grid" --out "$out" --cell "$i" "$@"
    else
        OMP_NUM_THREADS=1 "${rho1[@]}" sweep --grid "$grid" --out "$out" --cell "$i" --device cpu --threads 1 "$@"
    fi > "$logs/cell-$i.log" 2>&1
}
run_slot() { # slot, then the sweep options: cells slot, slot + slots, ... one after another
    local slot=$1 failed=0 i
    shift
    for ((i = slot; i < n; i += slots)); do
        run_cell "$i" "$@" || { echo "cell $i failed: $logs/cell-$i.log" >&2; failed=1; }
    done
    return "$failed"
}
pids=()
for ((s = 0; s < slots; s++)); do run_slot "$s" "$@" & pids+=($!); done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
collect=0
"${rho1[@]}" sweep --grid "$grid" --out "$out" --collect "$@" || collect=$?
[ "$status" = 0 ] || exit 1
exit "$collect"

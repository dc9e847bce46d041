#!/usr/bin/env bash
# Submits a sweep grid to SLURM: a job array with one task per cell (cell.sbatch: srun runs the cell on the
# node's GPUs, one rank each), then a collect job (collect.sbatch) that runs when every task has ended, however
# it ended (afterany), and writes the reports from the finished cells. Rerunning it after failures resubmits all
# cells; finished ones are reused within seconds, interrupted ones resume from their last checkpoint.
# Usage: scripts/slurm/submit.sh GRID OUT [rho1 sweep options, e.g. --data D --eval-data H --ref-scores S]
#   env RHO1: the rho1 command (default: rho1 on PATH); SBATCH_CELL / SBATCH_COLLECT: extra sbatch options
#   (e.g. SBATCH_CELL="--partition=gpu --time=2-00:00:00"). Logs go to OUT.logs/. Returns at once (sbatch queues).
# Time: seconds to submit; the array's own time on the cluster.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 GRID OUT [rho1 sweep options]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
read -r -a rho1 <<< "${RHO1:-rho1}"
grid=$1 out=$2
shift 2

# --list checks the grid, the base config and the options before anything is queued, and counts the cells.
cells=$("${rho1[@]}" sweep --grid "$grid" --out "$out" "$@" --list)
n=$(printf '%s\n' "$cells" | grep -c .)
logs="$out.logs"
mkdir -p "$logs"
read -r -a cell_opts <<< "${SBATCH_CELL:-}"
read -r -a collect_opts <<< "${SBATCH_COLLECT:-}"
array=$(sbatch --parsable --array="0-$((n - 1))" --output="$logs/cell-%a.out" "${cell_opts[@]}" \
    "$here/cell.sbatch" "$grid" "$out" "$@")
array=${array%%;*} # --parsable prints "id" or "id;cluster"
collect=$(sbatch --parsable --dependency="afterany:$array" --output="$logs/collect.out" "${collect_opts[@]}" \
    "$here/collect.sbatch" "$grid" "$out" "$@")
echo "$n cells: array job $array (tasks 0-$((n - 1))), collect job ${collect%%;*}; logs in $logs"

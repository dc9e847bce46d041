#!/usr/bin/env bash
# The multi-rank fault matrix (docs/reliability.md, "Several processes: the fault matrix"): `mpirun -np 2` and `-np 3`
# on CPU, tiny fp32, train.collective_timeout_s=5. For each case, each rank count and each repetition it injects the
# fault (RHO1_FAULT, or signals from here), then checks that every rank exited non-zero within the timeout + 30 s,
# that a line names the failed rank, and that `--resume auto` (or the same `score` command) finishes with the
# uninterrupted run's metrics (timings left out) or score file, byte for byte: the newest complete checkpoint
# verified and continued exactly. The slow-evaluation case must instead complete, with the losses of one process.
# Prints a markdown table. Needs Open MPI's mpirun.
# Usage: [RHO1="dotnet path/rho1.dll"] scripts/fault-matrix.sh [-r REPEATS] [-n "2 3"] [-w WORKDIR] [--no-build]   (REPEATS default 2)
# Time: about 10 min on 2 vCPUs with the defaults (-r 2 -n "2 3"; AMD EPYC).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
repeats=2 sizes="2 3" work="" build=1
while [ $# -gt 0 ]; do
    case "$1" in
        -r) repeats=$2; shift 2 ;;
        -n) sizes=$2; shift 2 ;;
        -w) work=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        *) echo "usage: $0 [-r REPEATS] [-n \"2 3\"] [-w WORKDIR] [--no-build]" >&2; exit 2 ;;
    esac
done
command -v mpirun > /dev/null || { echo "fault-matrix: Open MPI's mpirun is not installed" >&2; exit 2; }
[ "$build" = 0 ] || dotnet build "$repo/src/Rho1.Cli" -c Release > /dev/null
read -r -a rho1 <<< "${RHO1:-dotnet $repo/src/Rho1.Cli/bin/Release/net10.0/rho1.dll}" # RHO1: another build (e.g. a copy)
work=${work:-$(mktemp -d)}
mkdir -p "$work"
export OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
timeout_s=5

# Data: a short quickstart's corpora and reference (bytes tokenizer), made once.
if [ ! -d "$work/qs/runs/reference/final" ]; then
    "${rho1[@]}" quickstart --out "$work/qs" --device cpu --set train.steps=40 --quiet > /dev/null
fi
data=$work/qs/data/noisy heldout=$work/qs/data/heldout ref=$work/qs/runs/reference

train() { # OUT, then extra options
    local out=$1; shift
    echo train-ref --config tiny --data "$data" --eval-data "$heldout" --out "$out" --device cpu --quiet \
        --set train.steps=30 --set train.batch_size=12 --set train.eval_every=5 --set train.eval_batches=4 --set train.checkpoint_every=5 \
        --set train.keep_checkpoints=10 --set train.log_every=1 --set train.peak_gflops=100 --set "train.collective_timeout_s=$timeout_s" "$@"
}
score() { echo score --ref "$ref" --data "$data" --out "$1" --device cpu --quiet --batch-size 4; }
launch() { mpirun -np "$1" --oversubscribe "${rho1[@]}" "${@:2}"; }

# metrics.jsonl without timings, for comparisons
deterministic() {
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    for k in ("tokens_per_s", "mfu", "wall_seconds", "allreduce_s", "rank_step_s_min", "rank_step_s_max", "elapsed_s"):
        o.pop(k, None)
    print(json.dumps(o, sort_keys=True))' "$1"
}

# Baselines per rank count: the uninterrupted run and score.
for np in $sizes; do
    [ -f "$work/base-$np/summary.json" ] || launch "$np" $(train "$work/base-$np") > "$work/base-$np.log" 2>&1
    [ -f "$work/score-$np/DONE" ] || launch "$np" $(score "$work/score-$np") > "$work/score-$np.log" 2>&1
done
[ -f "$work/single/summary.json" ] || "${rho1[@]}" $(train "$work/single") > "$work/single.log" 2>&1

rows=()
result() { rows+=("| $1 | $2 | $3 | $4 | $5 | $6 |"); printf '%s\n' "${rows[-1]}" >&2; }

# One failing case: NAME NP REP FAULT VERB(train|score) [signal-mode]
failing() {
    local name=$1 np=$2 rep=$3 fault=$4 verb=$5 mode=${6:-}
    local out="$work/$name-$np-$rep" log="$work/$name-$np-$rep.log" start code elapsed named ok resumed
    rm -rf "$out"
    start=$(date +%s.%N)
    local args
    if [ "$verb" = score ]; then args=$(score "$out"); else args=$(train "$out"); fi
    if [ "$mode" = sigterm-all ]; then
        # SIGTERM to every rank while rank 0 is inside a checkpoint write (held there for 3 s by the fault point).
        RHO1_FAULT=$fault launch "$np" $args > "$log" 2>&1 &
        local launcher=$! t=0
        until grep -q "RHO1_FAULT" "$log" 2>/dev/null || [ $t -ge 600 ]; do sleep 0.1; t=$((t + 1)); done
        pkill -TERM -f "^[^ ]*dotnet [^ ]*rho1.dll train-ref .*--out $out " || true # the ranks, not mpirun (which would forward a second one)
        code=0; wait "$launcher" || code=$?
    else
        code=0; RHO1_FAULT=$fault timeout 300 mpirun -np "$np" --oversubscribe "${rho1[@]}" $args > "$log" 2>&1 || code=$?
    fi
    elapsed=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
    pkill -9 -f "^[^ ]*dotnet [^ ]*rho1.dll .*--out $out " 2>/dev/null || true # a stopped rank left behind would be a failure of the case
    # The line that names the failed rank: the launcher's for a dead rank, ours for a stopped one, the ranks' own for SIGTERM.
    named=$(grep -E "process rank [0-9]+ with PID|did not answer a roll call|interrupted at step" "$log" | head -1 | sed -e 's/|/\\|/g' -e 's/^rho1: failed: CollectiveFailedException: //' -e 's/^[0-9:]* WRN //' | cut -c1-200 || true)
    ok=yes
    [ "$code" -ne 0 ] || ok=no
    python3 -c "import sys; sys.exit(0 if $elapsed <= $timeout_s + 30 else 1)" || ok=no
    [ -n "$named" ] || ok=no
    # The newest complete checkpoint verifies (resume reads it through its checksums) and continues exactly.
    if [ "$verb" = score ]; then
        launch "$np" $args > "$log.resume" 2>&1 && cmp -s "$out/scores.bin" "$work/score-$np/scores.bin" && resumed=identical || { resumed=DIFFERS; ok=no; }
    else
        launch "$np" $args --resume auto > "$log.resume" 2>&1 \
            && diff -q <(deterministic "$out/metrics.jsonl") <(deterministic "$work/base-$np/metrics.jsonl") > /dev/null \
            && resumed=identical || { resumed=DIFFERS; ok=no; }
    fi
    result "$name" "$np" "exit $code after ${elapsed} s" "${named:-none}" "$resumed" "$ok"
}

for rep in $(seq 1 "$repeats"); do
    for np in $sizes; do
        last=$((np - 1))
        failing "kill-9-mid-step" "$np" "$rep" "step:$last:kill:12" train
        failing "kill-9-mid-all-reduce" "$np" "$rep" "allreduce:1:kill:25" train
        failing "kill-9-mid-checkpoint" "$np" "$rep" "checkpoint:0:kill:2" train
        failing "kill-9-mid-evaluation" "$np" "$rep" "eval:$last:kill:3" train
        failing "kill-9-mid-score" "$np" "$rep" "score:1:kill:3" score
        failing "SIGTERM-all-mid-checkpoint" "$np" "$rep" "checkpoint:0:sleep=3:2" train sigterm-all
        failing "SIGSTOP-one-rank" "$np" "$rep" "step:$last:stop:12" train
        # A rank-0 evaluation 4 times longer than the watch: must complete, with one process's losses.
        out="$work/slow-eval-$np-$rep"
        rm -rf "$out"
        start=$(date +%s)
        code=0; RHO1_FAULT=eval:0:sleep=20 launch "$np" $(train "$out") > "$out.log" 2>&1 || code=$?
        same=$(python3 -c '
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]; b = [json.loads(l) for l in open(sys.argv[2])]
worst = max((abs(x[k] - y[k]) / abs(y[k]) for x, y in zip(a, b) for k in ("loss", "val_loss") if k in x), default=0)
print(f"{worst:.1e}" if len(a) == len(b) else "different lengths")' "$out/metrics.jsonl" "$work/single/metrics.jsonl" 2>/dev/null || echo "no metrics")
        ok=yes; [ "$code" -eq 0 ] || ok=no
        python3 -c "import sys; sys.exit(0 if '$same'[0].isdigit() and float('$same') <= 1e-5 else 1)" || ok=no
        result "slow-rank-0-evaluation (20 s, watch 5 s)" "$np" "exit $code after $(( $(date +%s) - start )) s" "completed" "losses vs one process: $same" "$ok"
    done
done

echo
echo "| case | ranks | outcome | line naming the failed rank | resumed / result | ok |"
echo "|---|---:|---|---|---|---|"
printf '%s\n' "${rows[@]}"
! printf '%s\n' "${rows[@]}" | grep -q '| no |$'

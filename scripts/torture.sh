#!/usr/bin/env bash
# Kill-anywhere torture test, the long version of tests/Rho1.Cli.Tests/Reliability/KillResumeTests: for train-ref,
# SLM with offline scores (global threshold), SLM with an online reference, and score, it SIGKILLs rho1 N times at
# seeded random moments (every third kill waits for a checkpoint or progress write to be in flight), restarts it
# with the same command (train: --resume auto) each time, and checks the result is bit-identical to an
# uninterrupted run: metrics.jsonl without timings, final/model.bin and optimizer.bin, scores.bin and meta.json.
# Usage: scripts/torture.sh [-n KILLS] [-s SEED] [-t STEPS] [-k MODES] [-w WORKDIR] [--no-build]
#   -n kills per mode (default 20)   -s seed of the kill times (default 1)   -t training steps (default 300)
#   -k modes, comma-separated, from train-ref,slm-offline,slm-online,score (default all)
#   -w work directory (default: a temporary one, deleted on success)
# Exit status 0 when every mode matched, 1 when one did not.
# Time: 38 s with -n 2 -t 40 on 2 vCPUs (AMD EPYC, 2026-12-07); the defaults (20 kills per mode, 300 steps) were not timed then.
set -euo pipefail

kills=20 seed=1 steps=300 modes=train-ref,slm-offline,slm-online,score work="" build=1
while [[ $# -gt 0 ]]; do
  case $1 in
    -n) kills=$2; shift 2 ;;
    -s) seed=$2; shift 2 ;;
    -t) steps=$2; shift 2 ;;
    -k) modes=$2; shift 2 ;;
    -w) work=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "torture.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z $work ]]; then work=$(mktemp -d); keep=0; else mkdir -p "$work"; keep=1; fi
# One torch thread: every attempt computes the same way, and a busy machine does not slow OpenMP to a crawl.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
[[ $build -eq 0 ]] || dotnet build -c Release "$repo/src/Rho1.Cli" -v q -nologo >/dev/null
rho1=(dotnet "$repo/src/Rho1.Cli/bin/Release/net10.0/rho1.dll")
RANDOM=$seed

# Data, a reference and offline scores: the quickstart pipeline, cut short.
if [[ ! -d $work/qs/runs/scores ]]; then
  echo "preparing data, reference and scores in $work/qs"
  rm -rf "$work/qs"
  "${rho1[@]}" quickstart --out "$work/qs" --device cpu --set train.steps=60 --quiet >/dev/null
fi
noisy=$work/qs/data/noisy reference=$work/qs/runs/reference scores=$work/qs/runs/scores
start=$(date +%s%N)
"${rho1[@]}" info --no-bench --device cpu >/dev/null
startup_ms=$(( ($(date +%s%N) - start) / 1000000 )) # process start and libtorch load, before any work

set_args() { # mode, output directory -> ARGS
  local common=(--config tiny --data "$noisy" --out "$2" --device cpu --quiet --set "train.steps=$steps"
    --set train.checkpoint_every=3 --set train.keep_checkpoints=2 --set train.log_every=2 --set train.eval_every=25
    --set train.eval_batches=2 --set train.peak_gflops=100)
  case $1 in
    train-ref) ARGS=(train-ref "${common[@]}") ;;
    slm-offline) ARGS=(train "${common[@]}" --ref-scores "$scores" --ratio 0.6 --select global) ;;
    slm-online) ARGS=(train "${common[@]}" --ref "$reference" --ratio 0.6) ;;
    score) ARGS=(score --ref "$reference" --data "$noisy" --out "$2" --device cpu --quiet --batch-size 32 --save-every 0) ;;
  esac
}

in_flight() { # temporary names of checkpoints or progress files being written under an output
  compgen -G "$1/checkpoints/.tmp-*" || compgen -G "$1/.tmp-*" || compgen -G "$1.partial/.progress-*.json.tmp-*" || true
}

writing() { # output, names left by the previous kill: true if a write of this attempt is in flight
  local now; now=$(in_flight "$1")
  [[ -n $now && $now != "$2" ]]
}

strip_timings() { sed -E 's/,"tokens_per_s":[^,}]*//; s/,"mfu":[^,}]*//' "$1"; }

same() { # mode, expected directory, actual directory
  if [[ $1 == score ]]; then
    cmp -s "$2/scores.bin" "$3/scores.bin" && cmp -s "$2/meta.json" "$3/meta.json"
  else
    cmp -s <(strip_timings "$2/metrics.jsonl") <(strip_timings "$3/metrics.jsonl") \
      && cmp -s "$2/final/model.bin" "$3/final/model.bin" && cmp -s "$2/final/optimizer.bin" "$3/final/optimizer.bin"
  fi
}

failed=0
IFS=, read -ra mode_list <<<"$modes"
for mode in "${mode_list[@]}"; do
  straight=$work/$mode-straight killed=$work/$mode-killed
  rm -rf "$straight" "$killed" "$killed.partial"
  start=$(date +%s%N)
  set_args "$mode" "$straight"
  "${rho1[@]}" "${ARGS[@]}" >/dev/null
  duration_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  resume=(); [[ $mode == score ]] || resume=(--resume auto)
  done_kills=0 mid_write=0 attempts=0
  while :; do
    attempts=$((attempts + 1))
    stale=$(in_flight "$killed") # what the previous kill left; this attempt deletes it on start
    set_args "$mode" "$killed"
    "${rho1[@]}" "${ARGS[@]}" "${resume[@]}" >/dev/null 2>>"$work/$mode.stderr" &
    pid=$!
    if [[ $done_kills -ge $kills ]]; then
      wait "$pid" || { echo "$mode: the final attempt failed (see $work/$mode.stderr)"; failed=1; }
      break
    fi
    if (( done_kills % 3 == 2 )); then
      deadline=$(( $(date +%s) + 3 * duration_ms / 1000 + 2 ))
      while kill -0 "$pid" 2>/dev/null && ! writing "$killed" "$stale" && (( $(date +%s) < deadline )); do :; done
    else
      # One kill in five lands in start-up; the others within the next 2/N of the work, so N kills spread over the run.
      sleep "$(awk -v r1=$RANDOM -v r2=$RANDOM -v d="$duration_ms" -v s="$startup_ms" -v n="$kills" 'BEGIN {
        work = d > s ? d - s : d; u = r2 / 32767
        printf "%.3f", (r1 % 5 == 0 ? u * s : s + u * 2 * work / n) / 1000 }')"
    fi
    if kill -9 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      done_kills=$((done_kills + 1))
      if writing "$killed" "$stale"; then mid_write=$((mid_write + 1)); fi
    else
      wait "$pid" || { echo "$mode: attempt $attempts failed (see $work/$mode.stderr)"; failed=1; break; }
      break # finished before the kill
    fi
  done
  if same "$mode" "$straight" "$killed"; then verdict=identical; else verdict=DIFFERENT; failed=1; fi
  printf '%-12s %3d kills (%d inside a write) over %d attempts; uninterrupted %.1fs; result %s\n' \
    "$mode" "$done_kills" "$mid_write" "$attempts" "$(awk -v d="$duration_ms" 'BEGIN { print d / 1000 }')" "$verdict"
done

if [[ $failed -eq 0 && $keep -eq 0 ]]; then rm -rf "$work"; fi
[[ $failed -eq 0 ]] || echo "torture.sh: FAILED; files kept in $work" >&2
exit $failed

#!/usr/bin/env bash
# Training-throughput benchmark: tokens/s, MFU and peak memory of plain training, SLM with offline reference scores
# and SLM with an online reference, per model preset and precision; the selection step alone; prepare and score
# throughput. Each configuration is one process; figures are medians over its logged windows (tokens/s averaged over
# the steps since the previous log line) after two warm-up windows. Steps per window grow as the model shrinks, so
# that like a real run most steps are not logged (logged steps also compute the selection statistics).
# Prints a markdown table and writes it into docs/performance.md between the bench markers.
# Usage: scripts/bench.sh [--quick] [WORKDIR]     (--quick: tiny and small only, fewer steps; under 10 minutes)
# The entry point of every benchmark: `scripts/bench.sh --list` names the others (scripts/bench-NAME.sh) with what each
# measures and how long it runs; `scripts/bench.sh NAME ARGS...` runs one of them.
# Time: --quick 8 min on 2 vCPUs (AMD EPYC, avx512_bf16, 2026-12-07); the full run adds gpt2-124m (not timed then).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--list" ]; then
    echo "training (this script, no NAME): tokens/s, MFU and memory per preset and precision; writes docs/performance.md"
    echo "    time: $(grep -m1 '^# Time:' "$0" | sed 's/^# Time: *//')"
    for f in "$repo"/scripts/bench-*.sh; do
        name=$(basename "$f" .sh); name=${name#bench-}
        printf '%s: %s\n    time: %s\n' "$name" "$(sed -n 2p "$f" | sed 's/^# *//')" "$(grep -m1 '^# Time:' "$f" | sed 's/^# Time: *//')"
    done
    exit 0
fi
if [ $# -gt 0 ] && [ -f "$repo/scripts/bench-$1.sh" ] && [ ! -d "$1" ]; then
    name=$1; shift
    exec bash "$repo/scripts/bench-$name.sh" "$@"
fi
# shellcheck source=scripts/lib/cpu-bench.sh
source "$repo/scripts/lib/cpu-bench.sh"
cpu_bench_setup "$@"
rho1=$dll
peak_mb() { awk '/Maximum resident set size/ {printf "%.0f", $NF/1024}' "$1"; }
timed() { # output-file-for-time, command...
    local t=$1; shift
    /usr/bin/time -v -o "$t" dotnet "$rho1" "$@"
}

if [[ $quick == 1 ]]; then models=(tiny small); windows=6; else models=(tiny small gpt2-124m); windows=8; fi
declare -A every=([tiny]=10 [small]=4 [gpt2-124m]=1)  # steps per logged window
declare -A repeats=([tiny]=5 [small]=1 [gpt2-124m]=1) # processes per configuration: tiny's 20 ms steps are noisy

# Data: the quickstart's generated corpora (bytes tokenizer), and a small noisy set for scoring the large models.
log "generating data"
dotnet "$rho1" quickstart --out "$work/qs" --set train.steps=4 -q > /dev/null
head -n 150 "$work/qs/corpus/noisy.jsonl" > "$work/noisy-small.jsonl"
timed "$work/time-prepare-bytes" prepare --input "$work/qs/corpus/noisy.jsonl" --output "$work/prep-bytes" --tokenizer bytes --force -q > /dev/null
timed "$work/time-prepare-gpt2" prepare --input "$work/qs/corpus/noisy.jsonl" --output "$work/prep-gpt2" --tokenizer gpt2 --force -q > /dev/null
dotnet "$rho1" prepare --input "$work/noisy-small.jsonl" --output "$work/data" --tokenizer bytes --val-fraction 0.05 --force -q > /dev/null
input_mb=$(awk -v b="$(wc -c < "$work/qs/corpus/noisy.jsonl")" 'BEGIN{printf "%.2f", b/1e6}')
wall() { awk '/Elapsed \(wall clock\)/ {n=split($NF,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; printf "%.2f", s}' "$1"; }

summarize() { # run-prefix mode repeats -> "tokens/s | MFU | step time ratio to plain": medians over repeats of each
    # repeat's median window (after two warm-up windows); the ratio pairs each repeat with the plain run beside it.
    python3 - "$1" "$2" "$3" <<'PY'
import json, sys, statistics
prefix, mode, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
def window_median(run, key):
    rows = [json.loads(l) for l in open(f"{run}/metrics.jsonl") if '"loss"' in l][2:]
    return statistics.median(r[key] for r in rows)
tps = [window_median(f"{prefix}-{mode}-{r}", "tokens_per_s") for r in range(1, repeats + 1)]
mfu = [window_median(f"{prefix}-{mode}-{r}", "mfu") for r in range(1, repeats + 1)]
plain = [window_median(f"{prefix}-plain-{r}", "tokens_per_s") for r in range(1, repeats + 1)]
ratios = [p / t for p, t in zip(plain, tps)]
spread = f" ({min(ratios):.2f}–{max(ratios):.2f})" if repeats > 1 and mode != "plain" else ""
print(f"{statistics.median(tps):,.0f} | {statistics.median(mfu):.1%} | {statistics.median(ratios):.2f}{spread}")
PY
}

# One peak per precision for every run's MFU, measured once here (as `rho1 info` reports it), rather than by each
# process at start-up, where a busy machine would skew it.
info=$(dotnet "$rho1" info --json --device cpu)
peak_fp32=$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['matmul_gflops']['fp32'])" "$info")
peak_bf16=$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['matmul_gflops']['bf16'])" "$info")

table="| model | precision | mode | tokens/s | MFU | step time ratio to plain | peak RSS MB |
|---|---|---|---:|---:|---:|---:|"
score_rows=""
for model in "${models[@]}"; do
    batch=16; [[ $model == gpt2-124m ]] && batch=4
    steps=$((windows * ${every[$model]}))
    common=(--config "$model" --set train.steps=$steps --set train.log_every=${every[$model]} --set train.eval_every=0 --set train.eval_batches=1
            --set train.checkpoint_every=0 --set train.grad_accum=1 --set train.batch_size=$batch --set train.warmup_steps=1)
    log "$model: reference checkpoint and offline scores"
    dotnet "$rho1" train-ref "${common[@]}" --set train.steps=1 --data "$work/data" --out "$work/ref-$model" --force -q > /dev/null
    timed "$work/time-score-$model" score --ref "$work/ref-$model" --data "$work/data" --out "$work/scores-$model" --precision bf16 --force -q > /dev/null
    scored=$(python3 -c "import json;m=json.load(open('$work/scores-$model/meta.json'));print(m['windows']*m['seq_len'])")
    score_rows+="| $model | $(printf "%'d" $scored) | $(wall "$work/time-score-$model") | $(awk -v n=$scored -v s="$(wall "$work/time-score-$model")" 'BEGIN{printf "%.0f", n/s}') | $(peak_mb "$work/time-score-$model") |
"
    for precision in fp32 bf16; do
        # Repeats alternate the modes, so that a slow spell of this shared machine hits all of them alike.
        for rep in $(seq "${repeats[$model]}"); do
            for mode in plain offline online; do
                case $mode in
                    plain) extra=(train-ref) ;;
                    offline) extra=(train --ratio 0.6 --ref-scores "$work/scores-$model") ;;
                    online) extra=(train --ratio 0.6 --ref "$work/ref-$model") ;;
                esac
                log "$model $precision $mode (repeat $rep)"
                peak=$peak_fp32; [[ $precision == bf16 ]] && peak=$peak_bf16
                timed "$work/time-$model-$precision-$mode-$rep" "${extra[@]}" "${common[@]}" --set train.precision=$precision --set train.peak_gflops=$peak \
                    --data "$work/data" --out "$work/run-$model-$precision-$mode-$rep" --force -q > /dev/null
            done
        done
        for mode in plain offline online; do
            rss=$(for t in "$work/time-$model-$precision-$mode"-*; do peak_mb "$t"; echo; done | sort -n | tail -1)
            table+="
| $model | $precision | $mode | $(summarize "$work/run-$model-$precision" "$mode" "${repeats[$model]}") | $rss |"
        done
    done
done

# SLM overhead measured by `rho1 bench-step`: each run alternates plain and selective steps, so the machine's slow
# spells hit both alike; process-to-process noise at millisecond steps is larger than the overhead itself.
step_rows=""
for model in "${models[@]}"; do
    case $model in
        tiny) bs=(400 3) ;;
        small) [[ $quick == 1 ]] && continue; bs=(40 2) ;;
        *) continue ;;
    esac
    log "$model: bench-step (${bs[0]} steps, ${bs[1]} repeats)"
    precision=$(python3 -c "import json,re,sys;t=open(sys.argv[1]).read();print(json.loads(re.sub(r'//[^\n]*','',t))['train']['precision'])" "$repo/configs/$model.json")
    dotnet "$rho1" bench-step --config "$model" --set train.batch_size=16 --set train.steps=${bs[0]} --set train.warmup_steps=1 \
        --data "$work/data" --ref-scores "$work/scores-$model" --ref "$work/ref-$model" --out "$work/bench-step-$model" \
        --repeats ${bs[1]} --device cpu --json -q > "$work/bench-step-$model.json"
    step_rows+=$(python3 - "$work/bench-step-$model.json" "$model" "$precision" "${bs[0]}" "${bs[1]}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for o in d["overheads"]:
    print(f"| {sys.argv[2]} | {sys.argv[3]} | {o['Mode']} | {sys.argv[4]} × {sys.argv[5]} | {o['PlainMedianMs']:,.1f} | {o['MedianMs']:,.1f} "
          f"| {o['Ratio']:.3f} ({o['RatioMin']:.3f}–{o['RatioMax']:.3f}) |")
PY
)
    step_rows+=$'\n'
done

log "selection step alone"
selection=$(dotnet "$rho1" bench-selection --batch-size 16 --seq-len 1024 --repeats 30 --device cpu --json)
step_ms=$(python3 - "$work" <<'PY'
import json, sys, statistics, glob
# a plain small-model bf16 step for scale (tokens per step / tokens per second)
rows = [json.loads(l) for l in open(f"{sys.argv[1]}/run-small-bf16-plain-1/metrics.jsonl") if '"loss"' in l][2:]
print(f"{statistics.median([16*256/r['tokens_per_s'] for r in rows])*1000:.1f}")
PY
)
sel_table=$(python3 - "$selection" "$step_ms" <<'PY'
import json, sys
rows = json.loads(sys.argv[1]); step_ms = float(sys.argv[2])
print("| --select | tokens | median µs | µs per million tokens | share of a small bf16 step (4,096 tokens) |")
print("|---|---:|---:|---:|---:|")
for r in rows:
    per_step_us = r["MicrosecondsPerMillionTokens"] * 4096 / 1e6
    print(f"| {r['Mode']} | {r['Tokens']:,} | {r['MedianMicroseconds']:,.0f} | {r['MicrosecondsPerMillionTokens']:,.0f} | {per_step_us / (step_ms * 1000):.3%} |")
PY
)

peaks=$(python3 -c "import json,sys;d=json.loads(sys.argv[1]);g=d['matmul_gflops'];print(f\"fp32 {g['fp32']:.0f} GFLOP/s, bf16 {g['bf16']:.0f} GFLOP/s\")" "$info")
report="Measured $(date -u +%Y-%m-%dT%H:%MZ) at commit $(git -C "$repo" rev-parse --short HEAD) on $(nproc) cores of $cpu, $(free -g | awk '/Mem:/ {print $2}') GB RAM,
load average before the run: $(cut -d' ' -f1-3 /proc/loadavg). Matmul peak from \`rho1 info\`: $peaks. $([[ $quick == 1 ]] && echo '(--quick)')

Training: ${windows} logged windows per process of ${every[tiny]} (tiny), ${every[small]} (small) or ${every[gpt2-124m]} (gpt2-124m) steps,
medians over windows 3..${windows} of \`metrics.jsonl\` (tokens/s over each window); tiny runs ${repeats[tiny]} times, modes
alternating, and shows medians over the repeats with the range of the ratio in brackets; batch 16 (gpt2-124m: 4) at
each preset's seq_len; bytes vocabulary (257). MFU = (6·N + 12·L·C·T [+ reference forward]) · tokens/s / bf16-or-fp32
peak. SLM rows select 60% by excess loss; *online* also runs the reference forward each step.

$table

SLM overhead with plain and selective steps alternating in one run (\`rho1 bench-step\`; batch 16 at the preset's
seq_len and precision; medians over the steps after a fifth of warm-up; the ratio divides each run's selective median by
its own plain median: median over the runs, range in brackets). This is the figure to hold against the targets for
millisecond steps; the table above compares separate processes:

| model | precision | mode | steps × runs | plain step ms | SLM step ms | step time ratio to plain |
|---|---|---|---:|---:|---:|---:|
${step_rows}
Selection step alone (\`rho1 bench-selection\`, B=16, T=1024, excess scores, 60%):

$sel_table

Data: \`rho1 prepare\` of the quickstart's noisy corpus (${input_mb} MB): bytes $(awk -v m=$input_mb -v s="$(wall "$work/time-prepare-bytes")" 'BEGIN{printf "%.1f", m/s}') MB/s (peak $(peak_mb "$work/time-prepare-bytes") MB),
gpt2 $(awk -v m=$input_mb -v s="$(wall "$work/time-prepare-gpt2")" 'BEGIN{printf "%.1f", m/s}') MB/s (peak $(peak_mb "$work/time-prepare-gpt2") MB), wall time including process start.

Scoring (\`rho1 score\`, bf16, wall time including process start and checksums):

| model | tokens | seconds | tokens/s | peak RSS MB |
|---|---:|---:|---:|---:|
$score_rows"
echo "$report"

doc="$repo/docs/performance.md"
python3 - "$doc" "$report" <<'PY'
import sys, re
path, report = sys.argv[1], sys.argv[2]
text = open(path).read() if __import__("os").path.exists(path) else "# Performance\n"
start, end = "<!-- bench:start -->", "<!-- bench:end -->"
block = f"{start}\n{report}\n{end}"
if start in text:
    text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda m: block, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n## Training throughput (scripts/bench.sh)\n\n" + block + "\n"
open(path, "w").write(text)
PY
log "updated $doc"

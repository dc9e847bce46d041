#!/usr/bin/env bash
# One-shot proof that rho1 is right and fast on a GPU, in at most 8 minutes; prints one JSON summary and a
# markdown table (also written to OUT/gpu-check.json and OUT/gpu-check.md).
#   1. load: libtorch found and every symbol of TorchSharp's native shim resolved (ldd -r), then `rho1 info`
#      (GPU name, memory, measured fp32 / TF32 / bf16 matmul throughput);
#   2. parity: tiny fp32 with TF32 off (train.tf32=false), same seed, 20 steps on the CPU and on the device, per-step
#      loss within 1e-3, for plain, online SLM and --score random;
#   2b. nccl (GPU only): the NCCL engine forced on one process (RHO1_COLLECTIVES=nccl): `rho1 info --collectives` on
#      known tensors, and 20 training steps equal to the single-process run; with two GPUs, torchrun with 2 processes
#      against one process with the same global batch;
#   3. speed: plain / offline-SLM / online-SLM tokens/s and MFU (gpt2-124m bf16, batch 16 x 1024), SLM step time
#      against plain (bench-step), tinyllama-1b bf16 with gradient accumulation if memory allows, peak GPU memory
#      (nvidia-smi), 100 steps logged every step against every 100 (host reads per step), `rho1 score` tokens/s;
#   4. memory: peak GPU memory (nvidia-smi; TorchSharp has no max_memory_allocated) of the speed model with and without
#      activation checkpointing, beside `rho1 plan`'s total for the same settings.
# Runs from the GPU bundle (scripts/gpu-bundle.sh; rho1 is ./rho1 beside it) or from a built checkout (the CUDA
# build: dotnet build -c Release -p:TorchBackend=cuda). `--device cpu` runs every step on small shapes on the
# CPU in a few minutes, so the script is known to work before anyone has a GPU (CI runs it).
# A stage that fails still ends in the JSON and markdown summary, naming the stage and the error.
# Usage: scripts/gpu-check.sh [--device cuda|cpu] [--out DIR] [--budget SECONDS]
# Time: at most 8 min on a GPU (--budget); --device cpu, as CI runs it, about 1 min on 2 vCPUs (AMD EPYC, 2026-12-07).
set -uo pipefail

device=cuda
out=""
budget=480
while [ $# -gt 0 ]; do
    case $1 in
        --device) device=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --budget) budget=$2; shift 2 ;;
        -h|--help) sed -n 2,16p "$0"; exit 0 ;;
        *) echo "gpu-check: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done
case $device in cuda|cuda:*|cpu) ;; *) echo "gpu-check: --device must be cuda or cpu" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
out=${out:-$(mktemp -d /tmp/gpu-check.XXXXXX)}
mkdir -p "$out"
work="$out/work"
rm -rf "$work"
mkdir -p "$work"
start=$SECONDS
left() { echo $((budget - (SECONDS - start))); }
log() { echo "[gpu-check $(date +%H:%M:%S) +$((SECONDS - start))s] $*" >&2; }

# Where rho1 is: the bundle's launcher, else this checkout's build.
if [ -x "$here/rho1" ]; then
    rho1=("$here/rho1"); shim="$here/app/libLibTorchSharp.so"
elif [ -f "$here/../src/Rho1.Cli/bin/Release/net10.0/rho1.dll" ]; then
    rho1=(dotnet "$here/../src/Rho1.Cli/bin/Release/net10.0/rho1.dll"); shim="$here/../src/Rho1.Cli/bin/Release/net10.0/runtimes/linux-x64/native/libLibTorchSharp.so"
else
    echo "gpu-check: no rho1: run it from the GPU bundle, or build first (dotnet build -c Release)" >&2; exit 2
fi
results="$work/results.jsonl" # one JSON object per finding; the summary is built from it
note() { echo "$1" >> "$results"; }
# A failure ends its stage (each later stage runs in a subshell) and is a finding; in load and data it ends the check.
fail() {
    note "{\"stage\": \"$1\", \"what\": \"failed\", \"ok\": false, \"error\": $(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$2")}"
    [ "$BASH_SUBSHELL" -gt 0 ] && exit 1
    finish 1
}

finish() {
    python3 - "$results" "$out" "$device" "$((SECONDS - start))" <<'PY'
import json, os, sys
path, out, device, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rows = []
for line in (open(path) if os.path.exists(path) else []):
    try:
        rows.append(json.loads(line))
    except ValueError: # a finding written badly is still a finding: reported, never a traceback
        rows.append({"stage": "summary", "what": "unreadable finding", "error": line.strip()[:300], "ok": False})
# Speed targets are an H100's; on the CPU they are reported, not judged.
judged = lambda r: r.get("ok", True) or (device == "cpu" and r["stage"] == "speed")
summary = {"device": device, "seconds": seconds, "ok": all(judged(r) for r in rows)}
for r in rows:
    summary.setdefault(r["stage"], []).append({k: v for k, v in r.items() if k != "stage"})
json.dump(summary, open(f"{out}/gpu-check.json", "w"), indent=2)
md = [f"gpu-check on `{device}`: {'passed' if summary['ok'] else 'FAILED'} in {seconds} s", "", "| stage | what | value | target | ok |", "|---|---|---|---|---|"]
for r in rows:
    verdict = "yes" if r.get("ok", True) else "no (not judged on cpu)" if judged(r) else "NO"
    md.append(f"| {r['stage']} | {r.get('what', '')} | {r.get('value', r.get('error', ''))} | {r.get('target', '')} | {verdict} |")
open(f"{out}/gpu-check.md", "w").write("\n".join(md) + "\n")
print(json.dumps(summary, indent=2))
print()
print("\n".join(md))
PY
    exit "$1"
}

# GPU memory: the highest nvidia-smi reading while a command runs (TorchSharp reports none).
peak_gpu_mib=0
watch_memory() { # command...
    local samples="$work/memory.$$" pid
    : > "$samples"
    if [ "$device" != cpu ] && command -v nvidia-smi > /dev/null; then
        nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 > "$samples" 2> /dev/null & pid=$!
        "$@"; local rc=$?
        kill "$pid" 2> /dev/null; wait "$pid" 2> /dev/null
        peak_gpu_mib=$(sort -n "$samples" | tail -n 1); peak_gpu_mib=${peak_gpu_mib:-0}
        return $rc
    fi
    "$@"
}
run() { # log-name, rho1 arguments...: runs rho1 with a time limit of what is left, stderr to a log
    local name=$1; shift
    local limit; limit=$(left)
    [ "$limit" -gt 5 ] || { log "out of time before $name"; return 124; }
    timeout "$limit" "${rho1[@]}" "$@" > "$work/$name.out" 2> "$work/$name.err"
}
median_window() { # run-dir key: median of logged windows after two warm-up windows; prints the reason and fails when there is none
    python3 -c '
import json, statistics, sys
try:
    rows = [json.loads(l) for l in open(sys.argv[1] + "/metrics.jsonl") if "\"loss\"" in l]
    rows = rows[2:] or rows
    print(statistics.median(r[sys.argv[2]] for r in rows))
except Exception as e:
    print(f"no median window of {sys.argv[2]} in {sys.argv[1]}: {type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(1)' "$1" "$2"
}
pyfail() { # stage, what: a finding's Python failed; the summary says so instead of a traceback
    fail "$1" "$2: $(tail -n 1 "$work/python.err" 2> /dev/null)"
}

# 1. Load -------------------------------------------------------------------------------------------------
log "load: $device, rho1 = ${rho1[*]}"
if [ -f "$here/app/rho1.dll" ]; then # the bundle: found once here rather than at every launch
    source "$here/torch-paths.sh"
    torch_paths || fail load "$torch_paths_error"
fi
if [ -n "${RHO1_TORCH_LIB:-}" ]; then
    torch_version=$(python3 -c 'import torch; print(torch.__version__)' 2> /dev/null || echo unknown)
    note "{\"stage\": \"load\", \"what\": \"host libtorch\", \"value\": \"$torch_version at $RHO1_TORCH_LIB\"}"
fi
if [ -x "$here/shim.sh" ] && [ -n "${RHO1_TORCH_LIB:-}" ]; then
    # The bundle's shim against this libtorch, rebuilt from TorchSharp's source when it does not link (gpu-shim.sh).
    shim_line=$("$here/shim.sh" "$here/app" "$RHO1_TORCH_LIB" 2> "$work/shim.err") \
        || fail load "TorchSharp's shim does not link against this libtorch and was not rebuilt: $(tail -n 4 "$work/shim.err" | tr '\n' ' ' | tr -d '"\\')"
    note "{\"stage\": \"load\", \"what\": \"native shim\", \"value\": \"$(echo "$shim_line" | tr -d '"\\')\", \"ok\": true}"
elif [ -f "$shim" ] && command -v ldd > /dev/null; then
    # A checkout's build (the bundle's shim.sh did this above): every symbol the shim needs, resolved against the
    # libtorch it will load, or the missing ones by name.
    LD_LIBRARY_PATH="$(dirname "$shim")${RHO1_TORCH_LIB:+:$RHO1_TORCH_LIB}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd -r "$shim" > "$work/ldd.txt" 2>&1
    missing=$(grep -E 'not found|undefined symbol' "$work/ldd.txt" | grep -v 'GLIBCXX_3.4.32' | head -n 20)
    if [ -n "$missing" ]; then
        demangled=$(echo "$missing" | sed -E 's/.*undefined symbol: ([^ ]*).*/\1/' | (command -v c++filt > /dev/null && c++filt || cat) | head -n 20)
        echo "$missing" >&2
        fail load "libLibTorchSharp.so does not link against this libtorch: $(echo "$demangled" | tr '\n' ';')"
    fi
    note '{"stage": "load", "what": "native symbols (ldd -r)", "value": "all resolved", "ok": true}'
fi
info_args=(info --json --device "$device")
[ "$device" = cpu ] && info_args+=(--no-bench) # a CPU without native bf16 takes minutes over the bf16 matmul
run info "${info_args[@]}" || fail load "rho1 info failed: $(tail -n 3 "$work/info.err" | tr '\n' ' ')"
python3 - "$work/info.out" >> "$results" 2> "$work/python.err" <<'PY' || pyfail load "reading rho1 info"
import json, sys
i = json.load(open(sys.argv[1]))
g = i.get("matmul_gflops") or {}
names = ", ".join(i.get("cuda_device_names") or []) or "none"
print(json.dumps({"stage": "load", "what": "rho1 info", "value": f"TorchSharp {i['torchsharp']}, devices {', '.join(i['devices'])} ({names})", "ok": True}))
for k in ("fp32", "tf32", "bf16"):
    if g.get(k) is not None:
        print(json.dumps({"stage": "load", "what": f"matmul {k} TFLOP/s", "value": round(g[k] / 1000, 1)}))
PY
if [ "$device" != cpu ] && command -v nvidia-smi > /dev/null; then
    mem=$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | head -n 1)
    note "{\"stage\": \"load\", \"what\": \"GPU (nvidia-smi)\", \"value\": \"$mem\"}"
fi

# Data: the quickstart's generated corpora, a tiny reference and its scores.
log "data: a short quickstart"
run quickstart quickstart --out "$work/qs" --device "$device" --set train.steps=20 --set train.eval_every=10 -q \
    || fail data "quickstart failed: $(tail -n 3 "$work/quickstart.err" | tr '\n' ' ')"
noisy="$work/qs/data/noisy"; ref_tiny="$work/qs/runs/reference"; heldout="$work/qs/data/heldout"

# 2. Parity -----------------------------------------------------------------------------------------------
parity() { # name, extra train arguments...
    local name=$1; shift
    local side d
    for side in host device; do
        d=$([ $side = host ] && echo cpu || echo "$device")
        run "parity-$name-$side" "$@" --config tiny --data "$noisy" --device "$d" --out "$work/parity-$name-$side" \
            --set train.steps=20 --set train.log_every=1 --set train.eval_every=0 --set train.checkpoint_every=0 --set train.precision=fp32 \
            --set train.tf32=false -q \
            || fail parity "$name on $d failed: $(tail -n 3 "$work/parity-$name-$side.err" | tr '\n' ' ')"
    done
    same_losses parity "$name" "$work/parity-$name-host" "$work/parity-$name-device" 1e-3
}
same_losses() { # stage, name, run-a, run-b, tolerance: a finding on the largest per-step loss difference
    python3 - "$@" >> "$results" 2> "$work/python.err" <<'PY' || pyfail "$1" "$2: comparing losses"
import json, sys
stage, name, one, two, tolerance = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
def losses(run): return [json.loads(l)["loss"] for l in open(run + "/metrics.jsonl") if '"loss"' in l]
a, b = losses(one), losses(two)
worst = max(abs(x - y) for x, y in zip(a, b)) if len(a) == len(b) and a else float("inf")
print(json.dumps({"stage": stage, "what": f"{name}: max per-step loss difference, {len(a)} steps", "value": f"{worst:.2e}", "target": f"<= {tolerance:g}", "ok": worst <= tolerance}))
PY
}
log "parity: plain, online SLM, random"
(parity plain train-ref)
(parity online-slm train --ref "$ref_tiny" --ratio 0.6)
(parity random train --score random --ratio 0.6)

# 2b. NCCL ------------------------------------------------------------------------------------------------
[ "$device" != cpu ] && (
    log "nccl: the engine forced on one process, known tensors and 20 steps against the single process"
    RHO1_COLLECTIVES=nccl run nccl-info info --collectives --json --device "$device" \
        || fail nccl "info --collectives with RHO1_COLLECTIVES=nccl failed: $(tail -n 3 "$work/nccl-info.err" | tr '\n' ' ')"
    python3 - "$work/nccl-info.out" >> "$results" 2> "$work/python.err" <<'PY' || pyfail nccl "reading info --collectives"
import json, sys
r = json.loads(open(sys.argv[1]).read())
print(json.dumps({"stage": "nccl", "what": f"known tensors over {r['backend']}", "value": r["detail"], "ok": r["ok"]}))
PY
    RHO1_COLLECTIVES=nccl run nccl-one train-ref --config tiny --data "$noisy" --device "$device" --out "$work/nccl-one" \
        --set train.steps=20 --set train.log_every=1 --set train.eval_every=0 --set train.checkpoint_every=0 --set train.precision=fp32 --set train.tf32=false -q \
        || fail nccl "training with RHO1_COLLECTIVES=nccl failed: $(tail -n 3 "$work/nccl-one.err" | tr '\n' ' ')"
    grep -o 'NCCL device: .*' "$work/nccl-one/train.log" | head -n 1 | sed 's/"/'"'"'/g' | while read -r line; do note "{\"stage\": \"nccl\", \"what\": \"binding\", \"value\": \"$line\"}"; done
    same_losses nccl "NCCL communicator of one vs single process (plain)" "$work/parity-plain-device" "$work/nccl-one" 1e-6
    gpus=$(nvidia-smi --list-gpus 2> /dev/null | wc -l)
    if [ "${gpus:-0}" -ge 2 ] && command -v torchrun > /dev/null && [ -x "$here/rho1" ]; then
        log "nccl: 2 processes under torchrun against one process with the same global batch"
        torchrun --standalone --nproc-per-node 2 --no-python "$here/rho1" train-ref --config tiny --data "$noisy" --device cuda --out "$work/nccl-two" \
            --set train.steps=20 --set train.log_every=1 --set train.eval_every=0 --set train.checkpoint_every=0 --set train.precision=fp32 --set train.tf32=false -q \
            > "$work/nccl-two.out" 2> "$work/nccl-two.err" || fail nccl "torchrun with 2 processes failed: $(tail -n 3 "$work/nccl-two.err" | tr '\n' ' ')"
        same_losses nccl "2 processes (torchrun, NCCL) vs 1" "$work/parity-plain-device" "$work/nccl-two" 1e-5
    else
        note "{\"stage\": \"nccl\", \"what\": \"2 processes\", \"value\": \"skipped (${gpus:-0} GPU(s); needs 2, torchrun and the bundle's launcher)\"}"
    fi
)

# The shape of the memory and speed stages.
if [ "$device" = cpu ]; then
    model=tiny; precision=fp32; batch=8; seq=64; steps=30; every=5
else
    model=gpt2-124m; precision=bf16; batch=16; seq=1024; steps=60; every=10
fi
shape=(--set train.batch_size=$batch --set train.seq_len=$seq --set train.grad_accum=1 --set train.precision=$precision)
quiet=(--set train.eval_every=0 --set train.checkpoint_every=0 -q)

# 3. Memory: peak GPU memory (nvidia-smi: TorchSharp has no max_memory_allocated) and tokens/s with and without
# activation checkpointing, at the data's vocabulary and at gpt2's (model.vocab_size=50257 over the same ids: the head
# costs what a real gpt2 vocabulary's does) with token losses chunked (the default) and whole (loss_chunk_tokens=0),
# each beside `rho1 plan`'s total for the same settings.
# On a GPU the plan is given its memory, so that train.loss_chunk_tokens=-1 is planned as the trainer resolves it there.
plan_memory=()
if [ "$device" != cpu ] && command -v nvidia-smi > /dev/null; then
    total_gb=$(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits 2> /dev/null | head -n 1 | awk '{printf "%.3f", $1 * 1048576 / 1e9}')
    [ -n "$total_gb" ] && plan_memory=(--gpu-memory "$total_gb")
fi
[ "$(left)" -gt 60 ] && (
    data_vocab=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1] + '/meta.json'))['vocab_size'])" "$noisy" 2> /dev/null || echo 257)
    for variant in "$data_vocab false -1" "$data_vocab true -1" "50257 false -1" "50257 true -1" "50257 false 0"; do
        read -r vocab ckpt chunk <<< "$variant"
        settings=(--set model.vocab_size=$vocab --set train.activation_checkpointing=$ckpt --set train.loss_chunk_tokens=$chunk)
        name="mem-$vocab-$ckpt-${chunk/-1/auto}"
        what="$model vocab $vocab checkpointing=$ckpt loss_chunk_tokens=$chunk"
        log "memory: $what"
        planned=$("${rho1[@]}" plan --config "$model" --vocab-size "$vocab" --device "$([ "$device" = cpu ] && echo cpu || echo cuda)" "${shape[@]}" \
            "${settings[@]}" "${plan_memory[@]}" --json < /dev/null 2> /dev/null | python3 -c "import json,sys; print(round(json.load(sys.stdin)['total_bytes'] / 2**20))" 2> /dev/null || echo "?")
        if watch_memory run "$name" train-ref --config "$model" --data "$noisy" --device "$device" --out "$work/$name" "${shape[@]}" \
            --set train.steps=12 --set train.log_every=2 "${settings[@]}" "${quiet[@]}" \
            && tps=$(median_window "$work/$name" tokens_per_s 2> "$work/python.err"); then
            note "{\"stage\": \"memory\", \"what\": \"$what: peak GPU MiB (nvidia-smi) / rho1 plan MiB; tokens/s\", \"value\": \"$([ "$device" = cpu ] && echo n/a || echo "$peak_gpu_mib") / $planned; $(printf '%.0f' "$tps")\"}"
        else
            note "{\"stage\": \"memory\", \"what\": \"$what\", \"value\": \"failed: $(cat "$work/$name.err" "$work/python.err" 2> /dev/null | tail -n 1 | tr -d '\"\\\\')\", \"ok\": false}"
        fi
    done
)
# 4. Speed ------------------------------------------------------------------------------------------------
(
log "speed: a $model reference (same shape as the trained model) and its scores"
run ref-train train-ref --config "$model" --data "$noisy" --device "$device" --out "$work/ref-$model" "${shape[@]}" --set train.steps=3 "${quiet[@]}" \
    || fail speed "reference training failed: $(tail -n 3 "$work/ref-train.err" | tr '\n' ' ')"
score_start=$SECONDS
watch_memory run score score --ref "$work/ref-$model" --data "$noisy" --out "$work/scores-$model" --device "$device" --precision "$precision" \
    --batch-size "$batch" --seq-len "$seq" -q || fail speed "score failed: $(tail -n 3 "$work/score.err" | tr '\n' ' ')"
score_seconds=$((SECONDS - score_start))
score_tokens=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["windows"] * m["seq_len"])' "$work/scores-$model/meta.json")
note "{\"stage\": \"speed\", \"what\": \"rho1 score, $model $precision\", \"value\": \"$(awk -v t="$score_tokens" -v s="$score_seconds" 'BEGIN{printf "%.0f tokens/s (%d tokens, %d s with start-up)", t/(s>0?s:1), t, s}')\"}"

speed_run() { # mode, extra arguments...
    local mode=$1; shift
    watch_memory run "speed-$mode" train --config "$model" --data "$noisy" --device "$device" --out "$work/speed-$mode" "${shape[@]}" \
        --set train.steps=$steps --set train.log_every=$every "${quiet[@]}" "$@" || fail speed "$mode training failed: $(tail -n 3 "$work/speed-$mode.err" | tr '\n' ' ')"
    local tps mfu
    tps=$(median_window "$work/speed-$mode" tokens_per_s 2> "$work/python.err") || pyfail speed "$mode"
    mfu=$(median_window "$work/speed-$mode" mfu 2> "$work/python.err") || pyfail speed "$mode"
    local target="" ok=true
    if [ "$mode" = plain ] && [ "$device" != cpu ]; then target=">= 45% MFU"; ok=$(python3 -c "print('true' if $mfu >= 0.45 else 'false')"); fi
    note "{\"stage\": \"speed\", \"what\": \"$model $precision $batch x $seq $mode: tokens/s, MFU\", \"value\": \"$(printf '%.0f' "$tps"), $(python3 -c "print(f'{$mfu:.1%}')")\", \"target\": \"$target\", \"ok\": $ok}"
    [ "$device" != cpu ] && note "{\"stage\": \"speed\", \"what\": \"$model $mode: peak GPU memory (nvidia-smi)\", \"value\": \"$peak_gpu_mib MiB\"}"
    return 0
}
log "speed: plain, offline SLM, online SLM ($model $precision, $batch x $seq)"
speed_run plain --ratio 1.0
speed_run offline-slm --ratio 0.6 --ref-scores "$work/scores-$model"
speed_run online-slm --ratio 0.6 --ref "$work/ref-$model"

log "speed: SLM step time against plain, alternating in one run (bench-step)"
run bench-step bench-step --config "$model" --data "$noisy" --device "$device" --out "$work/bench-step" --ref-scores "$work/scores-$model" \
    --ref "$work/ref-$model" --repeats 1 --json "${shape[@]}" --set train.steps=$((steps < 40 ? 40 : steps)) \
    || fail speed "bench-step failed: $(tail -n 3 "$work/bench-step.err" | tr '\n' ' ')"
python3 - "$work/bench-step.out" >> "$results" 2> "$work/python.err" <<'PY' || pyfail speed "reading bench-step's output"
import json, sys
d = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
for o in d["overheads"]:
    limit = 1.03 if o["Mode"] == "offline" else 1.38
    print(json.dumps({"stage": "speed", "what": f"SLM {o['Mode']} step time / plain", "value": f"{o['Ratio']:.3f}", "target": f"<= {limit}", "ok": o["Ratio"] <= limit}))
PY

log "speed: logging every step against every 100 (a host read per step would show here)"
n=$([ "$device" = cpu ] && echo 40 || echo 100)
for e in "$n" 1; do
    run "sync-$e" train-ref --config "$model" --data "$noisy" --device "$device" --out "$work/sync-$e" "${shape[@]}" \
        --set train.steps=$n --set train.log_every=$e "${quiet[@]}" || fail speed "log_every=$e run failed: $(tail -n 3 "$work/sync-$e.err" | tr '\n' ' ')"
done
python3 - "$work/sync-$n" "$work/sync-1" "$n" >> "$results" 2> "$work/python.err" <<'PY' || pyfail speed "comparing log_every runs"
import json, sys
tps = lambda run: json.load(open(run + "/summary.json"))["tokens_per_s"]
rare, every = tps(sys.argv[1]), tps(sys.argv[2])
print(json.dumps({"stage": "speed", "what": f"{sys.argv[3]} steps: tokens/s logging every {sys.argv[3]} / every step", "value": f"{rare / every:.3f} ({rare:,.0f} / {every:,.0f})"}))
PY

if [ "$device" != cpu ]; then
    total_mib=$(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits 2> /dev/null | head -n 1)
    if [ "${total_mib:-0}" -ge 60000 ] && [ "$(left)" -gt 120 ]; then
        tinyllama() { # run-name, label, extra settings...: tinyllama-1b bf16, batch 4 x 2048 x 4 accumulated
            local name=$1 label=$2; shift 2
            log "speed: tinyllama-1b bf16, batch 4 x 2048 x 4 accumulated$label"
            if watch_memory run "$name" train-ref --config tinyllama-1b --data "$noisy" --device "$device" --out "$work/$name" \
                --set train.batch_size=4 --set train.seq_len=2048 --set train.grad_accum=4 --set train.steps=8 --set train.log_every=2 "$@" "${quiet[@]}" \
                && tps=$(median_window "$work/$name" tokens_per_s 2> "$work/python.err") && mfu=$(median_window "$work/$name" mfu 2> "$work/python.err"); then
                note "{\"stage\": \"speed\", \"what\": \"tinyllama-1b bf16 4 x 2048 x 4$label: tokens/s, MFU, peak memory\", \"value\": \"$(printf '%.0f' "$tps"), $(python3 -c "print(f'{$mfu:.1%}')"), $peak_gpu_mib MiB\"}"
            else
                note "{\"stage\": \"speed\", \"what\": \"tinyllama-1b$label\", \"value\": \"failed: $(cat "$work/$name.err" "$work/python.err" 2> /dev/null | tail -n 1 | tr -d '\"\\\\')\", \"ok\": false}"
            fi
        }
        tinyllama speed-1b ""
        [ "$(left)" -gt 60 ] && tinyllama speed-1b-ckpt " checkpointing" --set train.activation_checkpointing=true
    else
        note "{\"stage\": \"speed\", \"what\": \"tinyllama-1b\", \"value\": \"skipped (${total_mib:-?} MiB GPU memory, $(left) s left)\"}"
    fi
fi
)
log "done"
finish 0

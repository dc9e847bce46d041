#!/usr/bin/env bash
# Does a change leave training as it was? Runs the same short fp32 runs with an older build (BASE_DLL, e.g. a
# worktree of the previous commit built with `dotnet build -c Release`) and with this checkout's, then compares every
# deterministic value of metrics.jsonl (timings left out) and the final checkpoint's weights, byte for byte.
# Runs: plain, SLM with offline scores, SLM with an online reference, SLM with a refreshing reference; each with one
# micro-batch per step and with two. Prints one line per run and exits 1 if any differs or this build fails (a run
# the older build fails is reported, not compared: a crash that was fixed).
# With RTOL set (e.g. RTOL=1e-5, for a change of summation order), numbers in the metrics may differ by that much
# relative (absolute below 1) and the weights are compared value by value (the largest difference relative to the tensor's largest value
# is printed); without it, everything must be identical.
# PRECISION=bf16 compares bf16 runs instead of fp32 ones.
# Usage: [RTOL=1e-5] [PRECISION=bf16] scripts/compare-builds.sh BASE_DLL [WORKDIR]
# Time: 47 s on 2 vCPUs (AMD EPYC, 2026-12-07; 8 runs per build).
set -euo pipefail
[[ $# -ge 1 && -f $1 ]] || { echo "usage: $0 BASE_DLL [WORKDIR]   (BASE_DLL: an older build's rho1.dll)" >&2; exit 2; }
base=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=${2:-$(mktemp -d)}
mkdir -p "$work"
repo=$(cd "$(dirname "$0")/.." && pwd)
dotnet build "$repo/src/Rho1.Cli" -c Release -v q -nologo >&2
current="$repo/src/Rho1.Cli/bin/Release/net10.0/rho1.dll"
export OMP_NUM_THREADS=1 # the same kernels and summation order in both builds, whatever else the machine runs

dotnet "$current" quickstart --out "$work/qs" --set train.steps=40 -q > /dev/null
data="$work/qs/data/noisy"; clean="$work/qs/data/clean"; ref="$work/qs/runs/reference"; scores="$work/qs/runs/scores"
common=(--config tiny --data "$data" --device cpu -q --set train.steps=30 --set train.log_every=1 --set train.eval_every=10
        --set train.checkpoint_every=0 --set train.precision="${PRECISION:-fp32}" --set train.peak_gflops=100)
declare -A modes=(
    [plain]="train-ref"
    [offline]="train --ratio 0.6 --ref-scores $scores"
    [online]="train --ratio 0.6 --ref $ref"
    [refreshing]="train --ratio 0.6 --ref $ref --ref-refresh 5 --ref-data $clean --set selection.ref_refresh_lr=1e-3"
)
status=0
for mode in plain offline online refreshing; do
    for accum in 1 2; do
        failed=""
        for build in base current; do
            dll=$base; [[ $build == current ]] && dll=$current
            # shellcheck disable=SC2086 # the mode's words are separate arguments
            dotnet "$dll" ${modes[$mode]} "${common[@]}" --set train.grad_accum=$accum --out "$work/$mode-$accum-$build" --force > /dev/null \
                2> "$work/$mode-$accum-$build.err" || failed+="$build build failed: $(grep -m1 'rho1:' "$work/$mode-$accum-$build.err" | cut -c1-160); "
        done
        if [[ -n $failed ]]; then
            echo "$mode, grad_accum $accum: not compared: $failed"
            [[ $failed == *"current build failed"* ]] && status=1
            continue
        fi
        verdict=$(python3 - "$work/$mode-$accum-base" "$work/$mode-$accum-current" "${RTOL:-0}" <<'PY'
import array, hashlib, json, os, struct, sys
def metrics(run):
    rows = [json.loads(l) for l in open(os.path.join(run, "metrics.jsonl"))]
    return [{k: v for k, v in r.items() if k not in ("tokens_per_s", "mfu")} for r in rows]
def weights(run):
    final = os.path.join(run, "final")
    return {f: hashlib.sha256(open(os.path.join(final, f), "rb").read()).hexdigest() for f in sorted(os.listdir(final)) if f.startswith("model")}
def tensors(path):  # Rho1's tensor file (src/Rho1/IO/TensorFile.cs): fp32 tensors only, by name
    data, out, at = open(path, "rb").read(), {}, 16
    for _ in range(struct.unpack_from("<I", data, 12)[0]):
        (n,) = struct.unpack_from("<H", data, at); name = data[at + 2:at + 2 + n].decode(); at += 2 + n
        code, dims = data[at], data[at + 1]; at += 2 + 8 * dims
        (length,) = struct.unpack_from("<q", data, at); at += 8
        if code == 1: out[name] = array.array("f", data[at:at + length])
        at += length
    return out
def close(x, y, rtol):
    if x == y: return True
    if rtol == 0 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (x, y)): return False
    return abs(x - y) <= rtol * max(abs(x), abs(y), 1.0)  # below 1 absolute: an excess loss is a difference of losses near 5
a, b, rtol = sys.argv[1], sys.argv[2], float(sys.argv[3])
ma, mb = metrics(a), metrics(b)
diff = [f"step {x.get('step')}: {k} {x.get(k)} -> {y.get(k)}" for x, y in zip(ma, mb) for k in sorted(set(x) | set(y)) if not close(x.get(k), y.get(k), rtol)]
if len(ma) != len(mb): diff.append(f"{len(ma)} -> {len(mb)} records")
same_weights = weights(a) == weights(b)
if not same_weights and rtol > 0:
    worst = 0.0
    for f in weights(a):
        ta, tb = tensors(os.path.join(a, "final", f)), tensors(os.path.join(b, "final", f))
        for name in ta:
            top = max(max(abs(v) for v in ta[name]), 1e-30)
            worst = max(worst, max(abs(x - y) for x, y in zip(ta[name], tb[name])) / top)
    same_weights = worst <= rtol
    losses = [abs(x[k] - y[k]) / abs(x[k]) for x, y in zip(ma, mb) for k in x if k.endswith("loss") and isinstance(x[k], float) and x[k] != 0 and k in y]
    note = f"within {rtol:g} (losses: largest relative difference {max(losses, default=0):.2e}; weights: largest difference {worst:.2e} of the tensor's largest value)"
else:
    note = "identical"
print(note if not diff and same_weights else "DIFFERENT: " + "; ".join(diff[:3] + ([] if same_weights else ["final weights differ"])))
PY
)
        echo "$mode, grad_accum $accum: $verdict"
        [[ $verdict == identical || $verdict == within* ]] || status=1
    done
done
exit $status

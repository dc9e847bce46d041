#!/usr/bin/env bash
# Where a training step's time goes on a GPU (issue 35's profile): nsys traces the CUDA calls of two runs of the same
# training, SHORT and LONG steps; their difference over the LONG − SHORT extra steps is one step without the start-up:
# kernels launched, GPU kernel time, host time inside CUDA API calls (launches, copies, synchronisations) and the
# kernels that take the most. Default run: gpt2-124m bf16 16 × 1024 with GPT-2's vocabulary size (model.vocab_size=50257
# over the quickstart's byte ids: the head costs what GPT-2's does), the issue's benchmark shape. Prints a markdown table
# (also OUT/gpu-profile.md); the nsys reports and their CSV summaries stay in OUT.
# Runs from the GPU bundle (scripts/gpu-bundle.sh) or a built checkout, like gpu-check.sh; needs nsys on the PATH.
# Usage: scripts/gpu-profile.sh [--out DIR] [--short N] [--long N] [--model NAME] [--vocab V] [-- more train-ref arguments]
# Time: not timed (written without a GPU lent; two start-ups of the model plus SHORT + LONG steps under nsys).
set -euo pipefail

out=""; short=10; long=30; model=gpt2-124m; vocab=50257; extra=()
while [ $# -gt 0 ]; do
    case $1 in
        --out) out=$2; shift 2 ;;
        --short) short=$2; shift 2 ;;
        --long) long=$2; shift 2 ;;
        --model) model=$2; shift 2 ;;
        --vocab) vocab=$2; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n 2,10p "$0"; exit 0 ;;
        *) echo "gpu-profile: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done
[ "$long" -gt "$short" ] || { echo "gpu-profile: --long ($long) must exceed --short ($short)" >&2; exit 2; }
command -v nsys > /dev/null || { echo "gpu-profile: nsys is not on the PATH" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
if [ -x "$here/rho1" ]; then rho1=("$here/rho1")
elif [ -f "$here/../src/Rho1.Cli/bin/Release/net10.0/rho1.dll" ]; then rho1=(dotnet "$here/../src/Rho1.Cli/bin/Release/net10.0/rho1.dll")
else echo "gpu-profile: no rho1: run it from the GPU bundle, or build first" >&2; exit 2; fi
out=${out:-$(mktemp -d /tmp/gpu-profile.XXXXXX)}
mkdir -p "$out"
log() { echo "[gpu-profile $(date +%H:%M:%S)] $*" >&2; }

log "data: a short quickstart"
"${rho1[@]}" quickstart --out "$out/qs" --device cuda --set train.steps=4 -q > "$out/quickstart.log" 2>&1
for steps in "$short" "$long"; do
    log "nsys: $model bf16 16 x 1024, vocabulary $vocab, $steps steps"
    nsys profile --trace=cuda --sample=none --cpuctxsw=none --force-overwrite=true -o "$out/steps-$steps" \
        "${rho1[@]}" train-ref --config "$model" --data "$out/qs/data/noisy" --device cuda --out "$out/run-$steps" --force \
        --set model.vocab_size="$vocab" --set train.batch_size=16 --set train.seq_len=1024 --set train.grad_accum=1 \
        --set train.precision=bf16 --set train.steps="$steps" --set train.log_every="$steps" --set train.eval_every=0 \
        --set train.checkpoint_every=0 -q "${extra[@]}" > "$out/steps-$steps.log" 2>&1
    nsys stats --report cuda_gpu_kern_sum --report cuda_api_sum --format csv --force-export=true \
        --output "$out/steps-$steps" "$out/steps-$steps.nsys-rep" > /dev/null
done

python3 - "$out" "$short" "$long" "$model" "$vocab" <<'PY'
import csv, glob, sys
out, short, long_, model, vocab = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]

def table(steps, report):
    """name -> (calls, total ns) of one nsys stats CSV; columns found by name, as nsys versions order them differently."""
    path = sorted(glob.glob(f"{out}/steps-{steps}*{report}*.csv"))[0]
    rows = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            total = next(v for k, v in r.items() if k and k.startswith("Total Time"))
            calls = next(v for k, v in r.items() if k in ("Instances", "Num Calls", "Count"))
            rows[r["Name"]] = (int(calls), float(total))
    return rows

extra = long_ - short
def per_step(report):
    a, b = table(short, report), table(long_, report)
    return {n: ((b[n][0] - a.get(n, (0, 0))[0]) / extra, (b[n][1] - a.get(n, (0, 0))[1]) / extra) for n in b}

kernels, api = per_step("cuda_gpu_kern_sum"), per_step("cuda_api_sum")
launches = sum(c for n, (c, _) in api.items() if "Launch" in n)
md = [f"gpu-profile: {model} bf16 16 x 1024, vocabulary {vocab}; one step = ({long_} steps − {short} steps) / {extra}", "",
      "| per step | value |", "|---|---:|",
      f"| kernels run | {sum(c for c, _ in kernels.values()):,.0f} |",
      f"| GPU kernel time | {sum(t for _, t in kernels.values()) / 1e6:,.1f} ms |",
      f"| kernel launches (CUDA API) | {launches:,.0f} |",
      f"| host time in CUDA API calls | {sum(t for _, t in api.values()) / 1e6:,.1f} ms |", "",
      "| kernel | per step | ms per step |", "|---|---:|---:|"]
for name, (calls, ns) in sorted(kernels.items(), key=lambda kv: -kv[1][1])[:10]:
    md.append(f"| {name[:90]} | {calls:,.0f} | {ns / 1e6:,.2f} |")
md += ["", "| CUDA API call | per step | ms per step |", "|---|---:|---:|"]
for name, (calls, ns) in sorted(api.items(), key=lambda kv: -kv[1][1])[:6]:
    md.append(f"| {name} | {calls:,.0f} | {ns / 1e6:,.2f} |")
open(f"{out}/gpu-profile.md", "w").write("\n".join(md) + "\n")
print("\n".join(md))
PY

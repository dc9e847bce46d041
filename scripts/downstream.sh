#!/usr/bin/env bash
# The paper's metric on the continual-pretraining benchmark: downstream accuracy, SLM against CLM, two seeds.
# Writes the "Downstream accuracy" section of docs/results.md.
#   1-3. the benchmark of scripts/continual.sh (same commands, so an OUTDIR of continual.sh is reused): base model on
#        general text, exported; reference = base fine-tuned on clean Brown; offline scores of the noisy corpus;
#   4. a 500-item next-sentence multiple-choice task from the held-out Brown documents only
#      (scripts/make-next-sentence-task.py: two sentences of context, the true next sentence among three
#      length-matched sentences of other documents);
#   5. continual pretraining from the base at ratio 0.60 (SLM) and 1.00 (CLM), seeds 1234 and 2 (data order), each
#      scored on the task at every evaluation (`sweep --eval-task`); the final models re-scored with --task-output so
#      that SLM − CLM is a paired difference over the same items, with its standard error.
# Usage: scripts/downstream.sh [--quick] OUTDIR   (needs the npm registry for the corpora the first time; not part of CI)
#   --quick: a few steps of each and 100 items, to check the script; writes OUTDIR/results-downstream.md, leaves docs/ alone.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib/benchmark.sh"
benchmark_args new "$@"
build_rho1 commands-downstream.txt

config="$repo/configs/continual.json"
seeds=(1234 2)
if [[ $quick == 1 ]]; then
    base_sets=(--set train.steps=40 --set train.eval_every=20)
    ref_sets=(--set train.steps=20 --set train.eval_every=10)
    run_sets=(--set train.steps=20 --set train.eval_every=10 --set train.checkpoint_every=10)
    items=100
else
    base_sets=(--set train.steps=800 --set train.lr=2e-3 --set train.warmup_steps=50 --set train.eval_every=100)
    ref_sets=(--set train.steps=200 --set train.eval_every=50)
    run_sets=(--set train.eval_every=100)
    items=500
fi

log "preparing datasets"
split_corpora
prepare_benchmark
rho1 prepare --input "$out/corpora/nlp.jsonl" --output "$out/data/general" --tokenizer bytes --val-fraction 0.02 --force -q
log "base model, reference, scores (reused when present)"
rho1_unless_done "$out/runs/base" train-ref --config "$config" "${base_sets[@]}" --data "$out/data/general" --out "$out/runs/base" --resume auto -q
[[ -f "$out/base-hf/config.json" ]] || rho1 export --model "$out/runs/base" --out "$out/base-hf"
base="$out/base-hf"
rho1_unless_done "$out/runs/reference" train-ref --config "$config" "${ref_sets[@]}" --init "$base" --data "$out/data/reference" --out "$out/runs/reference" --resume auto -q
[[ -d "$out/runs/scores" ]] || rho1 score --ref "$out/runs/reference" --data "$out/data/noisy" --out "$out/runs/scores" --batch-size 32 --precision auto

log "building the next-sentence task from the held-out documents"
mkdir -p "$out/tasks"
python3 "$repo/scripts/make-next-sentence-task.py" "$out/text/heldout.jsonl" "$out/tasks/next-sentence.jsonl" --items "$items" --seed 1234 >&2
task="$out/tasks/next-sentence.jsonl"

for seed in "${seeds[@]}"; do
    log "seed $seed: continual pretraining at 0.60 and 1.00, scored on the task"
    rho1 sweep --ratios 0.6,1.0 --init "$base" --config "$config" "${run_sets[@]}" --set train.seed="$seed" --data "$out/data/noisy" \
        --ref-scores "$out/runs/scores" --eval-data "$out/data/heldout" --eval-task "$task" --out "$out/runs/downstream-$seed" > /dev/null
done

log "per-item scores of the starting points and the final models"
score_items() { # model name
    rho1 eval --model "$1" --task "$task" --task-output "$out/items/$2" --json -q > "$out/items/$2.json"
}
mkdir -p "$out/items"
score_items "$base" base
score_items "$out/runs/reference" reference
for seed in "${seeds[@]}"; do
    score_items "$out/runs/downstream-$seed/ratio-0.60" "slm-$seed"
    score_items "$out/runs/downstream-$seed/ratio-1.00" "clm-$seed"
done

elapsed=$(( $(date +%s) - start ))
section="$out/downstream-section.md"
python3 - "$out" "$elapsed" "$(git -C "$repo" rev-parse --short HEAD)" "$(machine)" "$quick" "${seeds[@]}" > "$section" <<'PY'
import json, math, sys, datetime
out, elapsed, commit, machine, quick, seeds = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5] == "1", sys.argv[6:]
def records(name):
    return [json.loads(l) for l in open(f"{out}/items/{name}/next-sentence.jsonl")]
def acc(name, key):
    r = [x[key] for x in records(name)]
    p = sum(r) / len(r)
    return p, math.sqrt(p * (1 - p) / (len(r) - 1))
def paired(a, b, key):
    d = [x[key] - y[key] for x, y in zip(records(a), records(b))]
    m = sum(d) / len(d)
    sd = math.sqrt(sum((v - m) ** 2 for v in d) / (len(d) - 1))
    return m, sd / math.sqrt(len(d))
def heldout(run):
    for line in open(f"{out}/runs/{run}/summary.csv").read().splitlines()[1:]:
        f = line.split(",")
        yield f[0], f[1], f[2], int(f[3])
n = len(records("base"))
precision = json.load(open(f"{out}/runs/downstream-{seeds[0]}/ratio-1.00/summary.json"))["precision"]
print("<!-- downstream: generated by scripts/downstream.sh; the lines down to 'downstream: end' are replaced when it runs -->")
print("## Downstream accuracy (continual-pretraining benchmark)")
print()
print(f"Generated by `scripts/downstream.sh{' --quick' if quick else ''}` on {datetime.date.today()} at commit {commit} on {machine}, "
      f"in {elapsed // 60} min {elapsed % 60} s. Model: `continual.json` (0.8M parameters, UTF-8 bytes, {precision} on this CPU).")
print()
print(f"The task: {n} next-sentence items built by `scripts/make-next-sentence-task.py` from the held-out Brown documents only: "
      "two sentences of context, then the true next sentence among four choices (three from other held-out documents, "
      "matched in length so that length alone does not tell). Zero-shot, `acc` by summed log-likelihood and `acc_norm` per byte "
      "(docs/evaluation.md). Chance is 0.25.")
print()
print("| model | seed | held-out loss (whole set) | acc ± s.e. | acc_norm ± s.e. |")
print("|---|---:|---:|---:|---:|")
for name, label in (("base", "base (the starting point)"), ("reference", "reference (base fine-tuned on clean Brown)")):
    a, ae = acc(name, "acc"); b, be = acc(name, "acc_norm")
    print(f"| {label} | | | {a:.4f} ± {ae:.4f} | {b:.4f} ± {be:.4f} |")
for seed in seeds:
    rows = {r[0]: r for r in heldout(f"downstream-{seed}")}
    for ratio, name, label in (("0.60", f"slm-{seed}", "SLM 60% (continual, offline scores)"), ("1.00", f"clm-{seed}", "CLM (continual, every token)")):
        a, ae = acc(name, "acc"); b, be = acc(name, "acc_norm")
        print(f"| {label} | {seed} | {rows[ratio][1]} ({rows[ratio][3]:,} tokens) | {a:.4f} ± {ae:.4f} | {b:.4f} ± {be:.4f} |")
print()
print("SLM − CLM, paired over the same items (standard error of the mean per-item difference):")
print()
print("| seed | Δ acc | Δ acc_norm |")
print("|---:|---:|---:|")
for seed in seeds:
    a, ae = paired(f"slm-{seed}", f"clm-{seed}", "acc"); b, be = paired(f"slm-{seed}", f"clm-{seed}", "acc_norm")
    print(f"| {seed} | {a:+.4f} ± {ae:.4f} | {b:+.4f} ± {be:.4f} |")
print()
print("![next-sentence accuracy against training tokens, seed 1234](results/downstream-next-sentence-vs-tokens.png)")
print()
print("Commands, in order (after `scripts/fetch-corpora.sh`, the splits of `scripts/lib/benchmark.sh` and "
      "`scripts/make-next-sentence-task.py OUTDIR/text/heldout.jsonl OUTDIR/tasks/next-sentence.jsonl --items N --seed 1234`):")
print()
print("```")
print(open(f"{out}/commands-downstream.txt").read().rstrip())
print("```")
print("<!-- downstream: end -->")
PY

if [[ $quick == 1 ]]; then
    cp "$section" "$out/results-downstream.md"
    log "wrote $out/results-downstream.md in $((elapsed / 60)) min $((elapsed % 60)) s"
    exit 0
fi
cp "$out/runs/downstream-1234/next-sentence-vs-tokens.png" "$repo/docs/results/downstream-next-sentence-vs-tokens.png"
splice_section "$repo/docs/results.md" "$section" downstream
log "wrote the downstream section of docs/results.md in $((elapsed / 60)) min $((elapsed % 60)) s"

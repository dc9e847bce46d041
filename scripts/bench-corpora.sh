#!/usr/bin/env bash
# Throughput of the paper-scale data path: `rho1 prepare` on JSONL and on Parquet (the same documents, written by
# DuckDB) with the gpt2 and bytes tokenizers, one process against two processes each preparing half (--part 1/2 and
# 2/2, run at the same time, one tokenizer thread each) plus `merge-datasets`; and `rho1 score` of `small` on one
# process against `mpirun -np 2`. Input MB (of the JSONL) per wall second, and tokens/s. Not a test: prints a markdown
# table for docs/performance.md. Needs npm (DuckDB's node package, fetched once) and Open MPI's mpirun.
# Usage: scripts/bench-corpora.sh [WORKDIR] [MEGABYTES]   (default 100 MB of text; score reads its first 2 MB; at 5 MB DuckDB
#   writes one row group, which two parts cannot share, so give 20 or more)
# Time: 11 min at 20 MB on 2 vCPUs (AMD EPYC, 2026-12-07), of which 10.5 min are the two 2 MB scores of small; the default 100 MB was not timed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
megabytes=${2:-100}
mkdir -p "$work"
dotnet build "$repo/src/Rho1.Cli" -c Release -v q -nologo >&2
rho1=(dotnet "$repo/src/Rho1.Cli/bin/Release/net10.0/rho1.dll")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

if [[ ! -f "$work/corpus.jsonl" ]]; then
    log "generating $megabytes MB of documents, as JSONL and as Parquet"
    python3 - "$work/corpus.jsonl" "$megabytes" <<'PY'
import json, random, sys
rng = random.Random(7)
words = ("the of and to in a is that for it as was with be by on not he this are or from at which but have café naïve "
         "über 東京 データ x=1; 1,234.56").split() + ["".join(rng.choices("bcdfghklmnprstvz", k=3)) + v for v in "aeiou" for _ in range(2000)]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    written = 0
    while written < float(sys.argv[2]) * 1e6:
        line = json.dumps({"id": written, "text": " ".join(rng.choices(words, k=rng.choice([50, 200, 800])))}, ensure_ascii=False) + "\n"
        f.write(line)
        written += len(line.encode())
PY
    (cd "$work" && [[ -d node_modules/@duckdb/node-api ]] || npm install --silent @duckdb/node-api > /dev/null)
    (cd "$work" && node --input-type=module -e "
import { DuckDBInstance } from '@duckdb/node-api';
const c = await (await DuckDBInstance.create(':memory:')).connect();
await c.run(\"COPY (SELECT * FROM read_json_auto('corpus.jsonl')) TO 'corpus.parquet' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 2048)\");")
fi
input_mb=$(python3 -c "import os; print(f'{os.path.getsize(\"$work/corpus.jsonl\") / 1e6:.1f}')")
seconds() { local t0=$SECONDS; "$@" > /dev/null; echo $((SECONDS - t0)); }
elapsed() { python3 -c "import time,subprocess,sys; t=time.time(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); print(f'{time.time()-t:.1f}')" "$@"; }

echo "CPU: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) cores; native bf16: $(grep -o 'avx512_bf16\|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')$(date -u +%F)"
echo
echo "| what | tokenizer | input | processes | wall s | MB/s |"
echo "|---|---|---|---:|---:|---:|"
for tok in gpt2 bytes; do
    for fmt in jsonl parquet; do
        s=$(elapsed "${rho1[@]}" prepare -q -i "$work/corpus.$fmt" -o "$work/one-$tok-$fmt" -t "$tok" --force)
        echo "| prepare | $tok | $fmt | 1 | $s | $(python3 -c "print(f'{$input_mb / $s:.2f}')") |"
    done
    # Two parts at once, one thread each, then the merge (shards hard-linked).
    s=$(python3 - "$work" "$tok" "${rho1[@]}" <<'PY'
import subprocess, sys, time
work, tok, rho1 = sys.argv[1], sys.argv[2], sys.argv[3:]
t = time.time()
jobs = [subprocess.Popen(rho1 + ["prepare", "-q", "-i", f"{work}/corpus.parquet", "-o", f"{work}/part{i}-{tok}", "-t", tok, "--part", f"{i}/2", "--threads", "1", "--force"],
                         stdout=subprocess.DEVNULL) for i in (1, 2)]
assert all(j.wait() == 0 for j in jobs)
subprocess.run(rho1 + ["merge-datasets", f"{work}/part1-{tok}", f"{work}/part2-{tok}", "-o", f"{work}/merged-{tok}", "--force", "-q"], check=True, stdout=subprocess.DEVNULL)
print(f"{time.time() - t:.1f}")
PY
)
    echo "| prepare --part 1/2, 2/2 at once + merge | $tok | parquet | 2 | $s | $(python3 -c "print(f'{$input_mb / $s:.2f}')") |"
done

log "score: a small reference (1 step), one process and two, on the first 2 MB"
head -c 2000000 "$work/corpus.jsonl" | head -n -1 > "$work/score.jsonl"
"${rho1[@]}" prepare -q -i "$work/score.jsonl" -o "$work/bytes-small" -t bytes --force > /dev/null
"${rho1[@]}" train-ref -q --config small --data "$work/bytes-small" --out "$work/ref" --set train.steps=1 --set train.eval_every=0 --force > /dev/null
echo
echo "| score (small, bytes, fp32) | processes × threads | tokens | wall s | tokens/s |"
echo "|---|---:|---:|---:|---:|"
for n in 1 2; do
    if [[ $n == 1 ]]; then s=$(elapsed "${rho1[@]}" score -q --ref "$work/ref" --data "$work/bytes-small" --out "$work/scores-1" --precision fp32 --force)
    else s=$(elapsed mpirun -np 2 --oversubscribe "${rho1[@]}" score -q --ref "$work/ref" --data "$work/bytes-small" --out "$work/scores-2" --precision fp32 --force); fi
    tokens=$(python3 -c "import json; m=json.load(open('$work/scores-$n/meta.json')); print(m['windows'] * m['seq_len'])")
    echo "| rho1 score | $n × $([[ $n == 1 ]] && nproc || echo 1) | $tokens | $s | $(python3 -c "print(f'{$tokens / $s:,.0f}')") |"
done
cmp "$work/scores-1/scores.bin" "$work/scores-2/scores.bin" && echo && echo "scores.bin of 1 and 2 processes: identical"

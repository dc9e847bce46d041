#!/usr/bin/env python3
"""Builds a next-sentence multiple-choice task from the benchmark's held-out Brown text, to compare models by accuracy
(`rho1 eval --task`) rather than by loss alone.

Each item gives two consecutive sentences of a document as the context and four candidate next sentences: the one that
really follows in that document and three distractors, sentences drawn from OTHER held-out documents. The distractors
are length-matched, so that the answer cannot be picked by length: a summed log-likelihood (acc) favours short
choices and a per-byte one (acc_norm) can favour long ones, and neither should score above chance without reading
the context. Each distractor is within +-50% of the correct sentence's length in characters, and the correct one's
rank by length among the four is uniform (k distractors shorter, 3 - k longer, k drawn uniformly from 0..3): it is
the shortest choice in a quarter of the items, the longest in another quarter, never systematically the middle one.

Only held-out text goes in: HELDOUT_FILE is the file `$out/data/heldout` is prepared from, `$out/text/heldout.jsonl`
of scripts/lib/benchmark.sh (Brown documents with index mod 10 in 8..9, which no model trains on, the reference
included). Contexts, answers and distractors all come from it, so the task measures what a model learnt, not what it
saw. Never point it at reference.jsonl or train-*.jsonl.

Input: JSONL, one document per line with its text in "text" (paragraphs separated by blank lines), as
scripts/fetch-corpora.sh writes it. Output: JSONL in Rho1's generic-choice layout (docs/evaluation.md),
{"context": str, "choices": [str, str, str, str], "gold": int}: each choice is appended to the context exactly as
written, so every choice starts with a space.

Construction (deterministic for a given --seed):
  - each paragraph is split into sentences after ., ! or ? (and any closing quotes or brackets) followed by whitespace,
    except after a few abbreviations and initials ("Mr.", "J.") or before a lowercase letter; whitespace runs become
    one space; sentences shorter than 20 or longer than 200 characters, or that look like markup, are dropped;
  - an item is a window of three consecutive kept sentences of one document: context = the first two joined by " ",
    correct choice = " " + the third; windows of one document do not overlap, at most --per-doc per document, spread
    over the documents round-robin until --items items;
  - 3 distractors = " " + distinct sentences of other documents, none equal to a sentence of the item's document
    (so never the answer nor a context sentence, even where documents share a sentence), length-matched as above
    (a window whose answer has too few shorter or longer candidates, e.g. one of 20 characters, is skipped); the 4 choices
    are shuffled, gold is the index of the correct one; the items are shuffled too, so `--limit K` sees every genre.
Usage: scripts/make-next-sentence-task.py HELDOUT_FILE OUT.jsonl [--items N] [--seed S] [--per-doc K]
Time: seconds (run by downstream.sh and bench-tasks.sh).
"""
import argparse
import bisect
import json
import os
import random
import re
import sys

MIN_CHARS, MAX_CHARS = 20, 200
LENGTH_TOLERANCE = 0.5  # a distractor's length is within [0.5, 1.5] x the correct sentence's
DISTRACTORS = 3

# A candidate boundary: terminal punctuation, any closing quotes or brackets, then whitespace.
BOUNDARY = re.compile(r"[.!?]+[\"')\]]*\s+")
# Words after which a period does not end a sentence (compared without the period, case-insensitively).
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "mt", "jr", "sr", "prof", "rev", "hon", "gen", "gov", "sen", "rep", "col", "capt",
    "lt", "sgt", "maj", "adm", "cmdr", "supt", "pres", "messrs", "no", "nos", "vol", "vs", "etc", "cf", "fig", "approx",
    "dept", "corp", "inc", "co", "ltd", "bros", "ave", "blvd", "rd", "ft", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "e.g", "i.e", "a.m", "p.m",
}
MARKUP = re.compile(r"[<>{}|\\=@#_*^~]|https?:|www\.|&[a-z]+;", re.IGNORECASE)


def split_sentences(paragraph):
    """The sentences of one paragraph, whitespace normalised, in order."""
    text = " ".join(paragraph.split())
    sentences, start = [], 0
    for m in BOUNDARY.finditer(text):
        end = m.end()
        if end < len(text) and text[end].islower():
            continue  # "approx. five", "he asked? then": not a new sentence
        if m.group().rstrip() == ".":  # a bare period: maybe an abbreviation or an initial
            word = text[start:m.start()].rsplit(" ", 1)[-1].lstrip("\"'([")
            if word.lower() in ABBREVIATIONS or re.fullmatch(r"[A-Z]|(?:[A-Za-z]\.)+[A-Za-z]", word):
                continue  # "Mr. Smith", "John F. Kennedy", "U.S. Army"
        sentences.append(text[start:m.end()].rstrip())
        start = end
    if start < len(text):
        sentences.append(text[start:].rstrip())
    return [s for s in sentences if s]


def keep(sentence):
    """Whether a sentence may be part of an item: a plausible length and prose, not markup, a table row or a heading."""
    if not MIN_CHARS <= len(sentence) <= MAX_CHARS or MARKUP.search(sentence):
        return False
    visible = [c for c in sentence if not c.isspace()]
    letters = sum(c.isalpha() for c in visible)
    return letters >= 0.6 * len(visible) and any(c.islower() for c in sentence)


def read_documents(path):
    """Per document, its sentences in order as (text, kept) pairs."""
    documents = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                text = json.loads(line)["text"]
                if not isinstance(text, str):
                    raise TypeError('"text" is not a string')
            except (ValueError, KeyError, TypeError) as e:
                sys.exit(f"{path}:{number}: not a JSONL document with a \"text\" field ({e}); "
                         "expected the held-out text, e.g. OUTDIR/text/heldout.jsonl")
            sentences = [s for p in re.split(r"\n\s*\n", text) for s in split_sentences(p)]
            documents.append([(s, keep(s)) for s in sentences])
    return documents


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("heldout", metavar="HELDOUT_FILE", help="held-out JSONL documents (OUTDIR/text/heldout.jsonl)")
    parser.add_argument("out", metavar="OUT.jsonl", help="task file to write (generic-choice layout)")
    parser.add_argument("--items", type=int, default=500, help="items to aim at (default 500)")
    parser.add_argument("--seed", type=int, default=1234, help="seed of every random choice (default 1234)")
    parser.add_argument("--per-doc", type=int, default=6,
                        help="at most this many (non-overlapping) items per document (default 6: the benchmark has "
                             "100 held-out documents, and a few give fewer than 5 items)")
    args = parser.parse_args()
    if args.items < 1 or args.per_doc < 1:
        parser.error("--items and --per-doc must be at least 1")
    if "heldout" not in os.path.basename(args.heldout).lower():
        print(f"warning: {args.heldout} is not named like the held-out text; the task must not be built from "
              "text any model trains on", file=sys.stderr)

    rng = random.Random(args.seed)
    documents = read_documents(args.heldout)

    # Distractor pool: every kept sentence, by length, with its document.
    pool = sorted((len(s), s, d) for d, doc in enumerate(documents) for s, k in doc if k)
    lengths = [p[0] for p in pool]
    texts = [{s for s, _ in doc} for doc in documents]

    def distractors(d, correct):
        """3 sentences of other documents, k of them shorter than the answer and 3 - k longer, k uniform in 0..3."""
        excluded = texts[d]  # no sentence of the item's own document, context and answer included

        def eligible(lo, hi):
            seen, out = set(), []
            for _, s, other in pool[lo:hi]:
                if other != d and s not in excluded and s not in seen:
                    seen.add(s)
                    out.append(s)
            return out

        n = len(correct)
        shorter = eligible(bisect.bisect_left(lengths, (1 - LENGTH_TOLERANCE) * n), bisect.bisect_left(lengths, n))
        longer = eligible(bisect.bisect_right(lengths, n), bisect.bisect_right(lengths, (1 + LENGTH_TOLERANCE) * n))
        if len(shorter) < DISTRACTORS or len(longer) < DISTRACTORS:
            return None
        k = rng.randrange(DISTRACTORS + 1)
        return rng.sample(shorter, k) + rng.sample(longer, DISTRACTORS - k)

    # Windows: three consecutive kept sentences; i is the index of the third (the answer), so i >= 2.
    candidates = []
    for doc in documents:
        windows = [i for i in range(2, len(doc)) if doc[i - 2][1] and doc[i - 1][1] and doc[i][1]]
        rng.shuffle(windows)
        candidates.append(windows)
    order = [d for d in range(len(documents)) if candidates[d]]
    rng.shuffle(order)

    items, used, chosen, no_distractors = [], set(), {d: [] for d in order}, 0
    for _ in range(args.per_doc):
        for d in order:
            if len(items) >= args.items:
                break
            doc = documents[d]
            while candidates[d]:
                i = candidates[d].pop()
                if any(abs(i - j) < 3 for j in chosen[d]):
                    continue  # overlaps a window already taken from this document
                context = [doc[i - 2][0], doc[i - 1][0]]
                correct = doc[i][0]
                wrong = distractors(d, correct)
                if wrong is None:
                    no_distractors += 1
                    continue
                choices = [" " + correct] + [" " + s for s in wrong]
                rng.shuffle(choices)
                items.append({"context": " ".join(context), "choices": choices, "gold": choices.index(" " + correct)})
                chosen[d].append(i)
                used.add(d)
                break
    rng.shuffle(items)
    kept = sum(k for doc in documents for _, k in doc)
    shortfall = (f"{len(documents)} documents, {kept} sentences kept, {len(order)} documents with a window of three, "
                 f"at most {args.per_doc} per document" +
                 (f", {no_distractors} windows skipped for want of {DISTRACTORS} shorter and {DISTRACTORS} longer "
                  f"length-matched distractors" if no_distractors else ""))
    if not items:
        sys.exit(f"{args.heldout}: no item possible ({shortfall}); {args.out} not written")

    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    os.replace(tmp, args.out)

    if len(items) < args.items:
        print(f"only {len(items)} of the {args.items} items requested are possible: {shortfall}", file=sys.stderr)
    print(f"wrote {len(items)} items from {len(used)} documents to {args.out}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Builds a next-word multiple-choice task (a cloze) from the benchmark's held-out Brown text: a task that a small
model can pass above chance, beside scripts/make-next-sentence-task.py's, which needs more than a 1M-parameter
byte-level model has.

Each item: the context is a held-out sentence's preceding sentence and its words up to some position (at least four
words in); the choices are the word that really comes next and three distractors, words of the same length (in
characters) and the same case pattern (lowercase, capitalised) drawn from OTHER held-out documents, so that neither
length nor capitals give the answer away. Each choice is " " + the word, in Rho1's generic-choice layout
(docs/evaluation.md): {"context": str, "choices": [str, str, str, str], "gold": int}. Only alphabetic answers of 3 to
12 letters are asked; the choices are shuffled, and so are the items.

Only held-out text goes in (HELDOUT_FILE: `$out/text/heldout.jsonl` of scripts/lib/benchmark.sh); the sentence
splitting is make-next-sentence-task.py's. Deterministic for a given --seed.
Usage: scripts/make-next-word-task.py HELDOUT_FILE OUT.jsonl [--items N] [--seed S]
Time: seconds (run by downstream.sh).
"""
import argparse
import importlib.util
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("next_sentence", os.path.join(HERE, "make-next-sentence-task.py"))
next_sentence = importlib.util.module_from_spec(spec)
spec.loader.exec_module(next_sentence)


def shape(word):
    return "lower" if word.islower() else "title" if word.istitle() else "other"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("heldout")
    parser.add_argument("out")
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    documents = [[s for s, kept in doc if kept] for doc in next_sentence.read_documents(args.heldout)]  # kept sentences per document
    by_shape = {}  # (length, shape) -> {document: [words]}
    for d, sentences in enumerate(documents):
        for sentence in sentences:
            for word in sentence.split():
                if word.isalpha() and 3 <= len(word) <= 12:
                    by_shape.setdefault((len(word), shape(word)), {}).setdefault(d, set()).add(word)
    candidates = []
    for d, sentences in enumerate(documents):
        for i in range(1, len(sentences)):
            words = sentences[i].split()
            for k in range(4, len(words) - 1):
                w = words[k]
                if w.isalpha() and 3 <= len(w) <= 12 and shape(w) != "other":
                    candidates.append((d, i, k))
    rng.shuffle(candidates)
    items, used = [], set()
    for d, i, k in candidates:
        if len(items) == args.items:
            break
        if (d, i) in used:
            continue  # one item per sentence
        answer = documents[d][i].split()[k]
        pool = sorted({w for doc, ws in by_shape.get((len(answer), shape(answer)), {}).items() if doc != d for w in ws}
                      - set(" ".join(documents[d]).split()))
        if len(pool) < 3:
            continue
        choices = [answer] + rng.sample(pool, 3)
        rng.shuffle(choices)
        context = documents[d][i - 1] + " " + " ".join(documents[d][i].split()[:k])
        items.append({"context": context, "choices": [" " + c for c in choices], "gold": choices.index(answer)})
        used.add((d, i))
    if not items:
        sys.exit(f"{args.heldout}: no item can be built")
    if len(items) < args.items:
        print(f"only {len(items)} of the {args.items} items requested are possible", file=sys.stderr)
    with open(args.out, "w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"wrote {len(items)} items from {len({d for d, _, _ in candidates})} documents to {args.out}")


if __name__ == "__main__":
    main()

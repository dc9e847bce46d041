#!/usr/bin/env python3
"""Writes tests/Rho1.Tests/Fixtures/task-bytes/: a tiny model, multiple-choice items, and the scores an independent
implementation gives them, to check `rho1 eval --task` (acc, acc_norm) against. Run once; the output is committed
(a few tens of KB), so CI needs no Python. Standard library only, and it shares no code with Rho1.

What it writes:
  config.json, model-0000{1,2}-of-00002.safetensors, model.safetensors.index.json, expected-logits.json, rho1.json:
      the "bytes" family of scripts/make-hf-fixture.py (run here through runpy): a random bf16 Llama over Rho1's
      `bytes` vocabulary (257 ids: UTF-8 bytes 0-255 and end of document 256), max_position_embeddings 128;
  items.jsonl: 24 items in the "generic-choice" layout, {"context", "choices" (2 to 4), "gold"}, each choice appended
      to the context as written (some begin with a space, some do not; accents, one emoji; choices of different byte
      lengths, so the summed and the per-byte predictions differ on some items). No context ends in whitespace, so
      the harness rule that moves a context's trailing spaces into the continuation changes nothing here;
  expected.json: per item, each choice's summed natural-log log-likelihood given the context ("loglik"), its byte
      count ("tokens"), "pred" (argmax of loglik, first on ties) and "pred_norm" (argmax of loglik / max(1, bytes));
      over all items "acc" and "acc_norm" (fraction of pred, pred_norm equal to gold). Floats to 10 significant digits.
      Sequences start as a document does: ids = [256] + bytes (Rho1's --sequence-start document);
  expected-harness.json: the same with lm-evaluation-harness's start for a causal model: nothing prepended (the
      context is never empty here, where the harness would prepend the end-of-text id).

Scoring, in float64 with make-hf-fixture.py's forward pass from the Hugging Face equations: ids = [256] + the UTF-8
bytes of context + choice (or without the 256); the model reads ids[:-1]; the choice's n bytes are the last n targets,
each scored by the log-softmax (log-sum-exp after subtracting the max) of the logits at the position before it.
Usage: scripts/make-task-fixture.py [OUT]
"""
import json
import math
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else os.path.normpath(os.path.join(HERE, "..", "tests", "Rho1.Tests", "Fixtures", "task-bytes"))
EOD = 256

ITEMS = [
    ("The capital of France is", [" Paris", " Berlin", " a city on the Seine river"], 0),
    ("Water boils at", [" 100 degrees Celsius", " 0 degrees", " noon"], 0),
    ("She poured the coffee into her", [" mug", " shoe", " favourite ceramic cup"], 0),
    ("Le café était", [" très chaud", " froid", " fermé le dimanche"], 0),
    ("Müller bought bread at the", [" Bäckerei", " bakery", " station"], 1),
    ("When the joke landed, everyone", [" laughed 😂", " cried", " left"], 0),
    ("2+2=", ["4", "5", "22"], 0),
    ("The dots in 'naïve' are", [" an umlaut", " a diaeresis", " nothing at all"], 1),
    ("Cats usually land on their", [" feet", " heads", " backs"], 0),
    ("The opposite of happy is un", ["happy", "sad", "kind"], 0),
    ("Is the sky green? Answer:", [" no", " yes"], 0),
    ("Zürich is a city in", [" Switzerland", " Peru", " the north of Germany"], 0),
    ("The plural of mouse is", [" mice", " mouses", " meese"], 0),
    ("Question: What do bees make?\nAnswer:", [" honey", " milk", " silk", " paper"], 0),
    ("Paris, Lyon and Marseille are French", [" cities", " rivers", " cheeses", " kings"], 0),
    ("The résumé was sent by", [" email", " pigeon", " fax machine"], 0),
    ("1, 2, 3,", [" 4", " 5", " 10"], 0),
    ("Hello", [",", "!", " world"], 2),
    ("Ice is frozen", [" water", " fire", " air"], 0),
    ("Sie sprach über das", [" Wetter", " Weather", " schöne Wetter heute"], 0),
    ("A square has four", [" sides", " corners and four equal sides", " wheels"], 0),
    ("The sun rises in the", [" east", " west"], 0),
    ("Rain falls from", [" clouds", " the ground up"], 0),
    ("Tea or coffee? I'll take the", [" tea", " coffee", " crème brûlée"], 1),
]


def sig10(x):
    return float(f"{x:.10g}")


def log_softmax_at(row, target):
    m = max(row)
    return row[target] - (m + math.log(sum(math.exp(v - m) for v in row)))


def argmax(xs):
    best = 0
    for i, x in enumerate(xs):
        if x > xs[best]:
            best = i
    return best


script = os.path.join(HERE, "make-hf-fixture.py")
sys.argv = [script, OUT, "bytes"]
forward = runpy.run_path(script)["forward"]

for context, choices, gold in ITEMS:
    assert context == context.rstrip(), context
    assert 2 <= len(choices) <= 4 and 0 <= gold < len(choices) and len(set(choices)) == len(choices), choices
    assert all(choices) and len((context + max(choices, key=lambda c: len(c.encode("utf-8")))).encode("utf-8")) < 100, context


def score(start):
    results = []
    for context, choices, gold in ITEMS:
        logliks, counts = [], []
        for choice in choices:
            ids = start + list((context + choice).encode("utf-8"))
            n = len(choice.encode("utf-8"))
            logits = forward(ids[:-1])
            logliks.append(sum(log_softmax_at(logits[p], ids[p + 1]) for p in range(len(ids) - 1 - n, len(ids) - 1)))
            counts.append(n)
        pred = argmax(logliks)
        pred_norm = argmax([ll / max(1, n) for ll, n in zip(logliks, counts)])
        results.append({"loglik": [sig10(v) for v in logliks], "tokens": counts, "pred": pred, "pred_norm": pred_norm})
    return results


with open(os.path.join(OUT, "items.jsonl"), "w", encoding="utf-8") as f:
    for context, choices, gold in ITEMS:
        f.write(json.dumps({"context": context, "choices": choices, "gold": gold}, ensure_ascii=False) + "\n")
for name, start in (("expected.json", [EOD]), ("expected-harness.json", [])):
    results = score(start)
    acc = sum(r["pred"] == g for r, (_, _, g) in zip(results, ITEMS)) / len(ITEMS)
    acc_norm = sum(r["pred_norm"] == g for r, (_, _, g) in zip(results, ITEMS)) / len(ITEMS)
    with open(os.path.join(OUT, name), "w") as f:
        json.dump({"items": results, "acc": sig10(acc), "acc_norm": sig10(acc_norm)}, f, indent=1)
        f.write("\n")
    differ = sum(r["pred"] != r["pred_norm"] for r in results)
    print(f"wrote {OUT}/{name}: acc {acc:.4f}, acc_norm {acc_norm:.4f}, pred != pred_norm on {differ} of {len(ITEMS)} items")

#!/usr/bin/env python3
"""scikit-learn baseline for the Minsheng classifier: TF-IDF of character 1–3-grams + LinearSVC.

Comparison only; nothing at run time depends on Python. It uses the SAME folds as the Swift
cross-validation: `minsheng train --input labeled_train.csv --output m.model --folds 5 --folds-out folds.csv`
writes one line per input row (row, id, fold); this script reads it.

    pip install scikit-learn
    python3 Benchmarks/baseline_sklearn.py --input labeled_train.csv --folds folds.csv

Fold rule (implemented in Swift, CrossValidation.assignFolds): stratified; for each label in sorted order the
row indices of that label, in file order, are shuffled by Fisher–Yates driven by SplitMix64(seed), and the
i-th goes to fold i mod k.
"""
import argparse
import csv
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from sklearn.svm import LinearSVC


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--folds", required=True, help="CSV with columns row,id,fold written by minsheng train --folds-out")
    ap.add_argument("--ngram-max", type=int, default=3)
    ap.add_argument("--C", type=float, default=1.0)
    args = ap.parse_args()

    with open(args.input, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(args.folds, encoding="utf-8-sig", newline="") as f:
        fold_rows = list(csv.DictReader(f))
    assert len(fold_rows) == len(rows), "folds file does not match the input"
    folds = np.array([int(r["fold"]) for r in fold_rows])
    for r, fr in zip(rows, fold_rows):
        assert r["id"] == fr["id"], "folds file rows are not in input order"
    docs = [r["title"] + "\n" + r["text"] for r in rows]
    y = np.array([r["label"].strip() for r in rows])

    def make():
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, args.ngram_max), sublinear_tf=True), LinearSVC(C=args.C)

    pred = np.empty(len(docs), dtype=object)
    for k in sorted(set(folds)):
        tr, te = folds != k, folds == k
        vec, clf = make()
        clf.fit(vec.fit_transform([d for d, t in zip(docs, tr) if t]), y[tr])
        pred[te] = clf.predict(vec.transform([d for d, t in zip(docs, te) if t]))

    labels = sorted(set(y))
    p, r, f1, s = precision_recall_fscore_support(y, pred.astype(str), labels=labels, zero_division=0)
    print("| class | support | precision | recall | F1 |\n| --- | ---: | ---: | ---: | ---: |")
    for i, l in enumerate(labels):
        print(f"| {l} | {s[i]} | {p[i]:.3f} | {r[i]:.3f} | {f1[i]:.3f} |")
    print(f"| **macro** | {s.sum()} | {p.mean():.3f} | {r.mean():.3f} | **{f1.mean():.3f}** |")
    print(f"\naccuracy {accuracy_score(y, pred.astype(str)):.3f}, macro-F1 {f1.mean():.3f}")

    # Throughput: a model trained on everything labels every message, vectorising included (one thread).
    vec, clf = make()
    clf.fit(vec.fit_transform(docs), y)
    best = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        clf.predict(vec.transform(docs))
        best = max(best, len(docs) / (time.perf_counter() - t0))
    print(f"throughput {best:,.0f} messages/s (vectorising + predicting {len(docs)} messages, best of 3)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Python replica of the Swift classifier (SVM + NBSVM on hashed char 1-2-grams, title/body namespaces) for fast
experiments on the SAME folds (the stratified SplitMix64 rule of CrossValidation.assignFolds, re-implemented here).
Comparison only; nothing at run time depends on it.

    python3 Benchmarks/cl_replica.py --input labeled_train.csv --seeds 2026,7,99,12345 --variant base
"""
import argparse, csv, re, sys, math
import numpy as np
import scipy.sparse as sp
from sklearn.svm import LinearSVC
from sklearn.metrics import f1_score, accuracy_score

M64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed): self.s = seed & M64
    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)


def assign_folds(labels, k, seed):
    out = [0] * len(labels)
    rng = SplitMix64(seed)
    for lab in sorted(set(labels)):
        idx = [i for i, l in enumerate(labels) if l == lab]
        for i in range(len(idx) - 1, 0, -1):
            j = rng.next() % (i + 1)
            idx[i], idx[j] = idx[j], idx[i]
        for p, i in enumerate(idx): out[i] = p % k
    return np.array(out)


SEP = ' '
_fw = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_fw[0x3000] = 0x20


def normalize(s):
    """Approximation of TextNormalizer: codes as a list of tokens (single chars or placeholders)."""
    s = s.translate(_fw)
    out = []
    last_sep = True
    for m in re.finditer(r'[A-Za-z0-9]+|.', s, re.S):
        t = m.group(0)
        if re.match(r'[A-Za-z0-9]', t):
            nxt = s[m.end():m.end() + 1]
            if t[0].isupper() and t[1:].isdigit() and (len(t) > 1 or nxt in '市区县镇乡村省州街路'):
                out.append('<LOC>')
            else:
                for part in re.findall(r'[0-9]+|[A-Za-z]', t):
                    if part[0].isdigit(): out.append('<TEL>' if len(part) >= 7 else '<NUM>')
                    else: out.append(part.lower())
            last_sep = False
        elif '\u4e00' <= t <= '\u9fff' or '\u3400' <= t <= '\u4dbf' or t.isalpha() or t.isnumeric():
            out.append(t.lower()); last_sep = False
        elif not last_sep:
            out.append(SEP); last_sep = True
    return out


def segments(toks):
    seg = []
    for t in toks:
        if t == SEP:
            if seg: yield seg
            seg = []
        else: seg.append(t)
    if seg: yield seg


def char_ngrams(toks, prefix, nmax=2):
    for seg in segments(toks):
        for i in range(len(seg)):
            g = ''
            for j in range(i, min(i + nmax, len(seg))):
                g += seg[j]
                yield prefix + g


def load(path):
    with open(path, encoding='utf-8-sig', newline='') as f:
        rows = list(csv.DictReader(f))
    return rows


class Vec:
    """raw tf x smooth idf, L2, minDF 2 -- over a list of feature-name lists per doc, per namespace weights."""
    def __init__(self, min_df=2): self.min_df = min_df
    def fit(self, docs):
        df = {}
        for d in docs:
            for t in set(d): df[t] = df.get(t, 0) + 1
        keep = sorted(t for t, c in df.items() if c >= self.min_df)
        self.index = {t: i for i, t in enumerate(keep)}
        n = len(docs)
        self.idf = np.array([math.log((1 + n) / (1 + df[t])) + 1 for t in keep])
        return self
    def transform(self, docs, weights=None):
        rows, cols, vals = [], [], []
        for r, d in enumerate(docs):
            cnt = {}
            for t in d:
                j = self.index.get(t)
                if j is not None: cnt[j] = cnt.get(j, 0) + 1
            for j, c in cnt.items(): rows.append(r); cols.append(j); vals.append(c)
        X = sp.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(self.index)), dtype=np.float64)
        X = X.multiply(self.idf).tocsr()
        if weights is not None:
            X = X.multiply(weights).tocsr()
        nrm = np.sqrt(np.asarray(X.multiply(X).sum(1)).ravel()); nrm[nrm == 0] = 1
        return sp.diags(1 / nrm) @ X


def svm_scores(Xtr, y, Xte, k, C=1.0):
    clf = LinearSVC(C=C, class_weight='balanced', intercept_scaling=1, max_iter=5000, tol=1e-4)
    clf.fit(Xtr, y)
    return clf.decision_function(Xte)


def nbsvm_scores(Xtr, y, Xte, k, C=1.0):
    n = Xtr.shape[0]
    B = (Xtr > 0).astype(np.float64)
    out = np.zeros((Xte.shape[0], k))
    for c in range(k):
        pos = y == c
        p = 1 + np.asarray(B[pos].sum(0)).ravel(); q = 1 + np.asarray(B[~pos].sum(0)).ravel()
        r = np.log((p / p.sum()) / (q / q.sum()))
        npos = pos.sum(); nneg = n - npos
        clf = LinearSVC(C=C, class_weight={1: n / (2 * npos), 0: n / (2 * nneg)}, max_iter=5000, tol=1e-4)
        clf.fit(Xtr.multiply(r).tocsr(), pos.astype(int))
        out[:, c] = clf.decision_function(Xte.multiply(r).tocsr())
    return out

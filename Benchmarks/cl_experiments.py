#!/usr/bin/env python3
"""Classifier experiments (issue 6 item 1, third round) on the same stratified folds as `minsheng train --fold-seed`.
Comparison only; nothing at run time depends on it. Figures: BENCHMARKS.md, "Third round".

    python3 Benchmarks/cl_experiments.py --data ../shared/data/teddy2020 --seeds 2026,7,99 \
        --variants base,words-10-3-1,tax,views,lsa-200-0

Variants: base (replica of the shipped SVM + NBSVM), words-F-P-E (3-4-character strings discovered in the
unlabelled messages: frequency >= F, PMI >= P, branching entropy >= E, as extra features), tax (taxonomy terms
present), views (whole + title-only + body-only models summed), lsa-D-A (TruncatedSVD(D) on unlabelled + training
fold; A = 0: RBF SVC on it added to the linear scores; A > 0: appended to the sparse features with weight A).
The word list is cached in /tmp/clx/words.pkl (discovery takes ~1 CPU-minute).
"""
import argparse, csv, math, os, sys, time, pickle
from collections import Counter, defaultdict
import numpy as np
import scipy.sparse as sp
from sklearn.metrics import f1_score, accuracy_score
sys.path.insert(0, os.path.dirname(__file__))
from cl_replica import *


def read_unlabelled(data):
    out = []
    for fn in ('hotspot_messages.csv', 'replied_messages.csv'):
        with open(os.path.join(data, fn), encoding='utf-8-sig', newline='') as f:
            for r in csv.DictReader(f):
                out.append((r['留言主题'], r['留言详情']))
    return out


def discover_words(texts, min_freq=5, maxlen=4, min_pmi=None, min_ent=None):
    """texts: token lists. Returns {word: (freq, pmi, min(left,right) entropy)} for 2..maxlen-char strings."""
    cnt = Counter()
    total = 0
    for toks in texts:
        for seg in segments(toks):
            seg = [t for t in seg]
            L = len(seg); total += L
            for i in range(L):
                for n in range(1, maxlen + 1):
                    if i + n > L: break
                    cnt[''.join(seg[i:i + n]) if n > 1 else seg[i]] += 1
    cand = {w: c for w, c in cnt.items() if c >= min_freq and 2 <= len(w) <= maxlen and '<' not in w}
    left = defaultdict(Counter); right = defaultdict(Counter)
    for toks in texts:
        for seg in segments(toks):
            L = len(seg)
            for i in range(L):
                for n in range(2, maxlen + 1):
                    if i + n > L: break
                    w = ''.join(seg[i:i + n])
                    if w in cand:
                        left[w][seg[i - 1] if i > 0 else '^'] += 1
                        right[w][seg[i + n] if i + n < L else '$'] += 1
    def ent(c):
        s = sum(c.values()); e = 0.0
        for v in c.values():
            p = v / s
            e -= p * math.log(p)
        return e
    out = {}
    for w, c in cand.items():
        pw = c / total
        pmi = min(math.log(pw / ((cnt[w[:i]] / total) * (cnt[w[i:]] / total))) for i in range(1, len(w)))
        out[w] = (c, pmi, min(ent(left[w]), ent(right[w])))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'data', 'teddy2020'))
    ap.add_argument('--seeds', default='2026')
    ap.add_argument('--variants', default='base')
    args = ap.parse_args()
    rows = load(os.path.join(args.data, 'labeled_train.csv'))
    labels = sorted(set(r['label'].strip() for r in rows))
    y = np.array([labels.index(r['label'].strip()) for r in rows])
    k = len(labels)
    T = [normalize(r['title']) for r in rows]
    B = [normalize(r['text']) for r in rows]
    os.makedirs('/tmp/clx', exist_ok=True)
    cache = '/tmp/clx/words.pkl'
    if os.path.exists(cache):
        words = pickle.load(open(cache, 'rb'))
    else:
        t0 = time.time()
        un = read_unlabelled(args.data)
        texts = [normalize(a) + [SEP] + normalize(b) for a, b in un]
        words = discover_words(texts)
        pickle.dump(words, open(cache, 'wb'))
        print(f'word discovery: {len(words)} candidates in {time.time()-t0:.0f}s', flush=True)
    tax = []
    with open(os.path.join(args.data, 'taxonomy.csv'), encoding='utf-8-sig', newline='') as f:
        for r in csv.DictReader(f):
            tax.append((r['一级分类'], r['二级分类'], r['三级分类']))

    def lexicon(min_freq, min_pmi, min_ent, lens=(3, 4)):
        return {w for w, (c, pmi, e) in words.items() if len(w) in lens and c >= min_freq and pmi >= min_pmi and e >= min_ent}

    def ngram_in_lex(toks, prefix, lex, lens):
        for seg in segments(toks):
            L = len(seg)
            for i in range(L):
                for n in lens:
                    if i + n <= L:
                        w = ''.join(seg[i:i + n])
                        if w in lex: yield prefix + w

    def feats(variant):
        base = [list(char_ngrams(t, 't:')) + list(char_ngrams(b, 'b:')) for t, b in zip(T, B)]
        if variant == 'base': return base, None
        if variant.startswith('words'):
            # words[-F-P-E][-sep]: 3-4 char words from the unlabelled text
            parts = variant.split('-')
            mf = int(parts[1]) if len(parts) > 1 else 10
            mp = float(parts[2]) if len(parts) > 2 else 3.0
            me = float(parts[3]) if len(parts) > 3 else 1.0
            lex = lexicon(mf, mp, me)
            print(f'  lexicon {len(lex)} words', flush=True)
            return [f + list(ngram_in_lex(t, 'tw:', lex, (3, 4))) + list(ngram_in_lex(b, 'bw:', lex, (3, 4))) for f, t, b in zip(base, T, B)], None
        if variant.startswith('tax'):
            terms = set()
            for a, b2, c in tax:
                for t in (b2, c):
                    for piece in t.replace('、', '/').replace('（', '/').replace('）', '/').replace('(', '/').replace(')', '/').split('/'):
                        if len(piece) >= 2 and piece not in ('其他', '综合'): terms.add(piece)
            out = []
            for f, t, b in zip(base, T, B):
                s = ''.join(x if len(x) == 1 else ' ' for x in t + [' '] + b)
                out.append(f + ['x:' + w for w in terms if w in s])
            print(f'  {len(terms)} taxonomy terms', flush=True)
            return out, None
        raise SystemExit('unknown variant ' + variant)

    un_cache = '/tmp/clx/un_tokens.pkl'
    def unlabelled_feats():
        if os.path.exists(un_cache): return pickle.load(open(un_cache, 'rb'))
        un = read_unlabelled(args.data)
        out = [list(char_ngrams(normalize(a), 't:')) + list(char_ngrams(normalize(b), 'b:')) for a, b in un]
        pickle.dump(out, open(un_cache, 'wb'))
        return out

    def views_scores(tr, te, Fs):
        s = 0
        for F in Fs:
            v = Vec(2).fit([F[i] for i in tr])
            Xtr = v.transform([F[i] for i in tr]); Xte = v.transform([F[i] for i in te])
            s = s + svm_scores(Xtr, y[tr], Xte, k) + nbsvm_scores(Xtr, y[tr], Xte, k)
        return s

    for variant in args.variants.split(','):
        extra = None
        if variant.startswith('views'):
            base_f, _ = feats('base')
            tit = [[x for x in f if x.startswith('t:')] for f in base_f]
            bod = [[x for x in f if x.startswith('b:')] for f in base_f]
            Fs = {'views': [base_f, tit, bod], 'views-tb': [tit, bod], 'views-wt': [base_f, tit], 'views-wb': [base_f, bod]}[variant]
            extra = lambda tr, te: views_scores(tr, te, Fs)
            F = base_f
        elif variant.startswith('lsa'):
            # lsa-D-A: TruncatedSVD(D) of the TF-IDF fitted on unlabelled + training-fold text, appended with weight A
            from sklearn.decomposition import TruncatedSVD
            parts = variant.split('-'); D = int(parts[1]); A = float(parts[2])
            F, _ = feats('base'); U = unlabelled_feats()
            def extra(tr, te, D=D, A=A):
                v = Vec(2).fit([F[i] for i in tr] + U)
                Xtr = v.transform([F[i] for i in tr]); Xte = v.transform([F[i] for i in te]); Xu = v.transform(U)
                svd = TruncatedSVD(D, random_state=0).fit(sp.vstack([Xtr, Xu]))
                def z(X):
                    Z = svd.transform(X); Z /= np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-9); return sp.csr_matrix(Z * A)
                v2 = Vec(2).fit([F[i] for i in tr])
                Xtr2 = v2.transform([F[i] for i in tr]); Xte2 = v2.transform([F[i] for i in te])
                base_s = svm_scores(Xtr2, y[tr], Xte2, k) + nbsvm_scores(Xtr2, y[tr], Xte2, k)
                if A == 0:
                    from sklearn.svm import SVC
                    Ztr = svd.transform(Xtr); Zte = svd.transform(Xte)
                    Ztr /= np.linalg.norm(Ztr, axis=1, keepdims=True); Zte /= np.linalg.norm(Zte, axis=1, keepdims=True)
                    rbf = SVC(C=10, gamma=1.0, class_weight='balanced', decision_function_shape='ovr').fit(Ztr, y[tr])
                    return base_s + rbf.decision_function(Zte)
                Xa = sp.hstack([Xtr2, z(Xtr)]).tocsr(); Xb = sp.hstack([Xte2, z(Xte)]).tocsr()
                return svm_scores(Xa, y[tr], Xb, k) + nbsvm_scores(Xtr2, y[tr], Xte2, k)
        else:
            F, _ = feats(variant)
        res = []
        for seed in [int(s) for s in args.seeds.split(',')]:
            folds = assign_folds([r['label'].strip() for r in rows], 5, seed)
            pred = np.zeros(len(rows), dtype=int)
            for f in range(5):
                tr = np.where(folds != f)[0]; te = np.where(folds == f)[0]
                if extra is not None:
                    s = extra(tr, te)
                else:
                    v = Vec(2).fit([F[i] for i in tr])
                    Xtr = v.transform([F[i] for i in tr]); Xte = v.transform([F[i] for i in te])
                    s = svm_scores(Xtr, y[tr], Xte, k) + nbsvm_scores(Xtr, y[tr], Xte, k)
                pred[te] = s.argmax(1)
            mf = f1_score(y, pred, average='macro'); acc = accuracy_score(y, pred)
            res.append((seed, mf, acc))
            print(f'{variant} seed {seed}: macro-F1 {mf:.4f} acc {acc:.4f}', flush=True)
        print(f'== {variant}: mean macro-F1 {np.mean([r[1] for r in res]):.4f} acc {np.mean([r[2] for r in res]):.4f}', flush=True)


if __name__ == '__main__':
    main()

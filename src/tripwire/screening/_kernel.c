/*
 * The compiled name comparison of tripwire's screening: the same algorithm as
 * tripwire.screening.names.compare_names (the reference, which also explains a
 * match), computing only the name features and the best (query name, list name)
 * pair of each candidate. Tests hold the two to identical vectors.
 *
 * List names are packed once into flat arrays (tripwire.screening.kernel); a
 * query is packed once per screening. All strings are ASCII: tokens, their
 * skeletons and consonant keys are [a-z0-9] after tokenisation.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#define N_NAME 12
#define MIN_TOKEN_SIMILARITY 0.6
#define STRICT_SIMILARITY 0.8

typedef struct {
    const char *s;
    Py_ssize_t n;
} Str;

static inline int str_eq(Str a, Str b) {
    if (a.n != b.n) return 0;
    for (Py_ssize_t i = 0; i < a.n; i++) /* tokens are short: no call to memcmp */
        if (a.s[i] != b.s[i]) return 0;
    return 1;
}

/* Bits set in x (portable: no popcnt instruction assumed). */
static inline int popcount64(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (int)((x * 0x0101010101010101ULL) >> 56);
}

/* ---------------------------------------------------------------- scratch */

typedef struct {
    void *p;
    size_t size;
} Buf;

static void *buf_get(Buf *b, size_t size) {
    if (size > b->size) {
        size_t grown = 2 * b->size > size ? 2 * b->size : size; /* amortised growth */
        void *p = PyMem_Realloc(b->p, grown);
        if (p == NULL) return NULL;
        b->p = p;
        b->size = grown;
    }
    return b->p;
}

/* ------------------------------------------------------- string distances */

/* OSA distance (adjacent transposition = one edit, as rapidfuzz's OSA), or max_d + 1 once it
   must exceed max_d (a bound of a.n + b.n never cuts). */
static Py_ssize_t osa_bounded(Str a, Str b, Py_ssize_t max_d, Buf *scratch) {
    Py_ssize_t diff = a.n > b.n ? a.n - b.n : b.n - a.n;
    if (diff > max_d) return max_d + 1;
    if (a.n == 0 || b.n == 0) return a.n > b.n ? a.n : b.n;
    Py_ssize_t w = b.n + 1;
    Py_ssize_t *rows = buf_get(scratch, sizeof(Py_ssize_t) * (size_t)(3 * w));
    if (rows == NULL) return -1;
    Py_ssize_t *two = rows, *one = rows + w, *cur = rows + 2 * w;
    for (Py_ssize_t j = 0; j <= b.n; j++) one[j] = j;
    for (Py_ssize_t i = 1; i <= a.n; i++) {
        cur[0] = i;
        Py_ssize_t low = i;
        for (Py_ssize_t j = 1; j <= b.n; j++) {
            Py_ssize_t cost = a.s[i - 1] == b.s[j - 1] ? 0 : 1;
            Py_ssize_t d = one[j] + 1;
            if (cur[j - 1] + 1 < d) d = cur[j - 1] + 1;
            if (one[j - 1] + cost < d) d = one[j - 1] + cost;
            if (i > 1 && j > 1 && a.s[i - 1] == b.s[j - 2] && a.s[i - 2] == b.s[j - 1] &&
                two[j - 2] + 1 < d)
                d = two[j - 2] + 1;
            cur[j] = d;
            if (d < low) low = d;
        }
        /* a row's minimum never falls below the one before the last (transpositions) */
        if (low > max_d && i > 1) {
            Py_ssize_t prev_low = one[0];
            for (Py_ssize_t j = 1; j <= b.n; j++)
                if (one[j] < prev_low) prev_low = one[j];
            if (prev_low > max_d) return max_d + 1;
        }
        Py_ssize_t *t = two;
        two = one;
        one = cur;
        cur = t;
    }
    return one[b.n] > max_d ? max_d + 1 : one[b.n];
}

/* A pattern of up to 64 characters as bit masks, for the bit-parallel OSA distance. */
typedef struct {
    uint64_t pm[128];
    Py_ssize_t n;
} Pattern;

static int pattern_init(Pattern *p, Str s) {
    if (s.n > 64) return 0;
    memset(p->pm, 0, sizeof p->pm);
    p->n = s.n;
    for (Py_ssize_t i = 0; i < s.n; i++) p->pm[(unsigned char)s.s[i] & 127] |= (uint64_t)1 << i;
    return 1;
}

/* OSA distance from a pattern (Hyyro 2003), as rapidfuzz's for a pattern of <= 64. */
static Py_ssize_t osa_bits(const Pattern *p, Str b) {
    if (p->n == 0) return b.n;
    uint64_t mask = (uint64_t)1 << (p->n - 1);
    uint64_t vp = ~(uint64_t)0, vn = 0, d0 = 0, pm_old = 0;
    Py_ssize_t dist = p->n;
    for (Py_ssize_t j = 0; j < b.n; j++) {
        uint64_t pm = p->pm[(unsigned char)b.s[j] & 127];
        uint64_t tr = (((~d0) & pm) << 1) & pm_old;
        d0 = (((pm & vp) + vp) ^ vp) | pm | vn;
        d0 |= tr;
        uint64_t hp = vn | ~(d0 | vp);
        uint64_t hn = d0 & vp;
        dist += (hp & mask) != 0;
        dist -= (hn & mask) != 0;
        hp = (hp << 1) | 1;
        hn = hn << 1;
        vp = hn | ~(d0 | hp);
        vn = hp & d0;
        pm_old = pm;
    }
    return dist;
}

/* Longest common subsequence, bit-parallel (Hyyro) over the pattern's 64-bit blocks. */
static Py_ssize_t lcs(const uint64_t *pm, Py_ssize_t blocks, Py_ssize_t n_pattern, Str text,
                      uint64_t *s) {
    for (Py_ssize_t w = 0; w < blocks; w++) s[w] = ~(uint64_t)0;
    for (Py_ssize_t i = 0; i < text.n; i++) {
        unsigned char c = (unsigned char)text.s[i] & 127;
        uint64_t carry = 0;
        for (Py_ssize_t w = 0; w < blocks; w++) {
            uint64_t m = pm[(size_t)c * (size_t)blocks + (size_t)w];
            uint64_t u = s[w] & m;
            uint64_t x = s[w] + u;
            uint64_t c1 = x < s[w];
            uint64_t y = x + carry;
            uint64_t c2 = y < x;
            carry = c1 | c2;
            s[w] = y | (s[w] & ~m);
        }
    }
    Py_ssize_t common = 0;
    for (Py_ssize_t w = 0; w < blocks; w++) {
        uint64_t zeros = ~s[w];
        Py_ssize_t bits = n_pattern - w * 64;
        if (bits < 64) zeros &= (((uint64_t)1) << bits) - 1;
        common += popcount64(zeros);
    }
    return common;
}

/* ------------------------------------------------------------- the query */

typedef struct {
    Py_ssize_t n;
    Str *tok, *skel, *cons;
    double *w;
    Str joined;
    long core;
    uint64_t *pm;
    Py_ssize_t blocks;
    Pattern *tok_pat, *skel_pat; /* per token; has[i] says whether it fits in 64 bits */
    char *has_tok_pat, *has_skel_pat;
} QName;

typedef struct {
    PyObject *owner; /* the Python tuple keeping the strings alive */
    Py_ssize_t count;
    QName *names;
} Query;

static void query_free(Query *q) {
    if (q->names != NULL) {
        for (Py_ssize_t i = 0; i < q->count; i++) {
            PyMem_Free(q->names[i].tok);
            PyMem_Free(q->names[i].pm);
            PyMem_Free(q->names[i].tok_pat);
        }
        PyMem_Free(q->names);
    }
    q->names = NULL;
    Py_CLEAR(q->owner);
}

static int ascii_str(PyObject *o, Str *out, const char *what) {
    if (!PyUnicode_Check(o) || !PyUnicode_IS_ASCII(o)) {
        PyErr_Format(PyExc_TypeError, "%s: expected an ASCII str", what);
        return -1;
    }
    out->s = (const char *)PyUnicode_DATA(o);
    out->n = PyUnicode_GET_LENGTH(o);
    return 0;
}

/* Each query name: (tokens, skeletons, consonant keys, weights, joined, core id). */
static int query_parse(PyObject *names, Query *q) {
    q->names = NULL;
    q->count = 0;
    /* a tuple of our own: no code run below can change what we point into */
    q->owner = (PyTuple_Check(names) || PyList_Check(names)) ? PySequence_Tuple(names) : NULL;
    if (q->owner == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "query: expected a sequence of packed names");
        return -1;
    }
    names = q->owner;
    q->count = PyTuple_GET_SIZE(names);
    q->names = PyMem_Calloc((size_t)(q->count ? q->count : 1), sizeof(QName));
    if (q->names == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = 0; k < q->count; k++) {
        PyObject *item = PySequence_Fast_GET_ITEM(names, k);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 6) {
            PyErr_SetString(PyExc_TypeError, "query name: expected a 6-tuple");
            return -1;
        }
        PyObject *tok = PyTuple_GET_ITEM(item, 0), *skel = PyTuple_GET_ITEM(item, 1),
                 *cons = PyTuple_GET_ITEM(item, 2), *wts = PyTuple_GET_ITEM(item, 3);
        if (!PyTuple_Check(tok) || !PyTuple_Check(skel) || !PyTuple_Check(cons) ||
            !PyTuple_Check(wts)) {
            PyErr_SetString(PyExc_TypeError, "query name: expected tuples of tokens and weights");
            return -1;
        }
        Py_ssize_t n = PyTuple_GET_SIZE(tok);
        if (PyTuple_GET_SIZE(skel) != n || PyTuple_GET_SIZE(cons) != n ||
            PyTuple_GET_SIZE(wts) != n) {
            PyErr_SetString(PyExc_ValueError, "query name: token tuples differ in length");
            return -1;
        }
        QName *qn = &q->names[k];
        qn->n = n;
        size_t each = (size_t)(n ? n : 1);
        char *block = PyMem_Malloc(each * (3 * sizeof(Str) + sizeof(double)));
        if (block == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        qn->tok = (Str *)block;
        qn->skel = qn->tok + each;
        qn->cons = qn->skel + each;
        qn->w = (double *)(qn->cons + each);
        for (Py_ssize_t i = 0; i < n; i++) {
            if (ascii_str(PyTuple_GET_ITEM(tok, i), &qn->tok[i], "query token") < 0 ||
                ascii_str(PyTuple_GET_ITEM(skel, i), &qn->skel[i], "query skeleton") < 0 ||
                ascii_str(PyTuple_GET_ITEM(cons, i), &qn->cons[i], "query consonants") < 0)
                return -1;
            if (qn->tok[i].n == 0) {
                PyErr_SetString(PyExc_ValueError, "query token: empty");
                return -1;
            }
            PyObject *weight = PyTuple_GET_ITEM(wts, i);
            if (!PyFloat_CheckExact(weight)) {
                PyErr_SetString(PyExc_TypeError, "query weight: expected a float");
                return -1;
            }
            qn->w[i] = PyFloat_AS_DOUBLE(weight);
        }
        char *pats = PyMem_Malloc(each * (2 * sizeof(Pattern) + 2));
        if (pats == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        qn->tok_pat = (Pattern *)pats;
        qn->skel_pat = qn->tok_pat + each;
        qn->has_tok_pat = (char *)(qn->skel_pat + each);
        qn->has_skel_pat = qn->has_tok_pat + each;
        for (Py_ssize_t i = 0; i < n; i++) {
            qn->has_tok_pat[i] = (char)pattern_init(&qn->tok_pat[i], qn->tok[i]);
            qn->has_skel_pat[i] = (char)pattern_init(&qn->skel_pat[i], qn->skel[i]);
        }
        if (ascii_str(PyTuple_GET_ITEM(item, 4), &qn->joined, "query joined") < 0) return -1;
        PyObject *core = PyTuple_GET_ITEM(item, 5);
        if (!PyLong_CheckExact(core)) {
            PyErr_SetString(PyExc_TypeError, "query core: expected an int");
            return -1;
        }
        qn->core = PyLong_AsLong(core);
        if (qn->core == -1 && PyErr_Occurred()) return -1;
        qn->blocks = qn->joined.n / 64 + 1;
        qn->pm = PyMem_Calloc(128 * (size_t)qn->blocks, sizeof(uint64_t));
        if (qn->pm == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = 0; i < qn->joined.n; i++) {
            unsigned char c = (unsigned char)qn->joined.s[i] & 127;
            qn->pm[(size_t)c * (size_t)qn->blocks + (size_t)(i / 64)] |= ((uint64_t)1) << (i % 64);
        }
    }
    return 0;
}

/* ------------------------------------------------------- the packed lists */

/*
 * Each list name is one record in a byte blob, so that comparing a name reads one
 * stretch of memory (scattered arrays cost a cache miss each, and misses were most of
 * the comparison's time). A record, 8-byte aligned:
 *   int32 n_tok, int32 n_join, int64 core, int32 weak, int32 unused      (24 bytes)
 *   double weights[n_tok]       rarity weights, patronymics and legal forms discounted
 *   double tok_weight[n_tok]    the tokens' own rarity (what a matched query token takes)
 *   uint16 lens[3 * n_tok + n_join]   token, skeleton, consonant key; joined forms
 *   char text[]                 in the same order
 */
typedef struct {
    int32_t n_tok, n_join;
    int64_t core;
    int32_t weak, unused;
} NameHead;

typedef struct {
    Py_ssize_t n;
    Str *tok, *skel, *cons, *joined;
    Py_ssize_t n_join;
    const double *weights, *tok_weight;
    int64_t core;
    int weak;
} LName;

typedef struct {
    PyObject_HEAD
    PyObject *packed, *weights_obj; /* what it was made from (for pickling) */
    Py_buffer views[2];
    int n_views;
    const char *blob;
    Py_ssize_t blob_len;
    const int64_t *name_off;
    Py_ssize_t n_names;
    double weights[N_NAME];
    /* scratch, reused across calls (the GIL serialises them) */
    Buf cands, marks, dist, lcs_bits, pair_at, lname;
} Kernel;

/* Where a record's parts are; -1 when it does not fit in ``size`` bytes. */
static Py_ssize_t record_size(const char *rec, Py_ssize_t size) {
    if (size < (Py_ssize_t)sizeof(NameHead)) return -1;
    const NameHead *h = (const NameHead *)rec;
    if (h->n_tok < 0 || h->n_join < 1 || h->n_tok > 100000 || h->n_join > 100000) return -1;
    Py_ssize_t fixed = (Py_ssize_t)sizeof(NameHead) + 16 * (Py_ssize_t)h->n_tok +
                       2 * (3 * (Py_ssize_t)h->n_tok + h->n_join);
    if (fixed > size) return -1;
    const uint16_t *lens = (const uint16_t *)(rec + sizeof(NameHead) + 16 * (size_t)h->n_tok);
    Py_ssize_t text = 0;
    for (Py_ssize_t i = 0; i < 3 * (Py_ssize_t)h->n_tok + h->n_join; i++) text += lens[i];
    return fixed + text <= size ? fixed + text : -1;
}

/* Decode list name ``row`` into ``out`` (string views into the blob). */
static int decode(Kernel *k, Py_ssize_t row, LName *out) {
    const char *rec = k->blob + k->name_off[row];
    const NameHead *h = (const NameHead *)rec;
    Py_ssize_t n = h->n_tok, nj = h->n_join;
    Str *strs = buf_get(&k->lname, sizeof(Str) * (size_t)(3 * n + nj + 1));
    if (strs == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    out->n = n;
    out->n_join = nj;
    out->tok = strs;
    out->skel = strs + n;
    out->cons = strs + 2 * n;
    out->joined = strs + 3 * n;
    out->weights = (const double *)(rec + sizeof(NameHead));
    out->tok_weight = out->weights + n;
    out->core = h->core;
    out->weak = h->weak;
    const uint16_t *lens = (const uint16_t *)(out->tok_weight + n);
    const char *text = (const char *)(lens + 3 * n + nj);
    for (Py_ssize_t i = 0; i < n; i++) {
        Str *parts[3] = {&out->tok[i], &out->skel[i], &out->cons[i]};
        for (int p = 0; p < 3; p++) {
            parts[p]->s = text;
            parts[p]->n = lens[3 * i + p];
            text += lens[3 * i + p];
        }
    }
    for (Py_ssize_t f = 0; f < nj; f++) {
        out->joined[f].s = text;
        out->joined[f].n = lens[3 * n + f];
        text += lens[3 * n + f];
    }
    return 0;
}

typedef struct {
    double sim;
    int i, j;
} Cand;

static int cand_cmp(const void *x, const void *y) {
    const Cand *a = x, *b = y;
    if (a->sim != b->sim) return a->sim > b->sim ? -1 : 1;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    return a->j < b->j ? -1 : (a->j > b->j ? 1 : 0);
}

/* The most edits that still give 0.95 * (1 - d / L) >= MIN_TOKEN_SIMILARITY, by length L. */
#define BOUND_LENGTHS 512
static Py_ssize_t max_edits[BOUND_LENGTHS];

static void init_max_edits(void) {
    for (Py_ssize_t len = 1; len < BOUND_LENGTHS; len++) {
        Py_ssize_t d = -1;
        while (d + 1 <= len && 0.95 * (1.0 - (double)(d + 1) / (double)len) >= MIN_TOKEN_SIMILARITY)
            d++;
        max_edits[len] = d;
    }
}

/*
 * token_similarity, exact wherever it reaches MIN_TOKEN_SIMILARITY (below that a pair
 * is never aligned, so the distance is only computed as far as it can matter).
 */
static double token_similarity(const QName *qn, Py_ssize_t i, Str b, Str sb, Str cb,
                               Buf *scratch) {
    Str a = qn->tok[i], sa = qn->skel[i], ca = qn->cons[i];
    if (str_eq(a, b)) return 1.0;
    if (str_eq(sa, sb)) return 0.95;
    double best = 0.0;
    if (str_eq(ca, cb) && ca.n >= 3) best = 0.85;
    Str xs[2] = {sa, a}, ys[2] = {sb, b};
    const Pattern *pats[2] = {qn->has_skel_pat[i] ? &qn->skel_pat[i] : NULL,
                              qn->has_tok_pat[i] ? &qn->tok_pat[i] : NULL};
    for (int k = 0; k < 2; k++) {
        Py_ssize_t longest = xs[k].n > ys[k].n ? xs[k].n : ys[k].n;
        if (longest) {
            Py_ssize_t bound = longest < BOUND_LENGTHS ? max_edits[longest] : longest;
            if (bound < 0) continue;
            Py_ssize_t diff = xs[k].n > ys[k].n ? xs[k].n - ys[k].n : ys[k].n - xs[k].n;
            if (diff > bound) continue; /* each extra letter is an edit */
            Py_ssize_t d = pats[k] ? osa_bits(pats[k], ys[k]) : osa_bounded(xs[k], ys[k], bound, scratch);
            if (d < 0) return -1.0;
            if (d > bound) continue;
            double v = 0.95 * (1.0 - (double)d / (double)longest);
            if (v > best) best = v;
        }
    }
    return best;
}

/* One side of the comparison as the alignment sees it. */
typedef struct {
    Py_ssize_t n;
    const Str *tok, *skel;
    char *used;
    double *used_sim;
    int *order;
    Py_ssize_t n_order;
} Side;

static inline Str side_tok(const Kernel *k, const Side *s, Py_ssize_t i) { return s->tok[i]; }
static inline Str side_skel(const Kernel *k, const Side *s, Py_ssize_t i) { return s->skel[i]; }
static inline void side_use(Side *s, Py_ssize_t i, double sim) {
    s->used[i] = 1;
    s->used_sim[i] = sim;
    s->order[s->n_order++] = (int)i;
}

/* _joined_pair_similarity: a token against two words written together (skeletons). */
static double joined_pair(const Kernel *k, const Side *one, Py_ssize_t i, const Side *two,
                          Py_ssize_t f, Py_ssize_t s, Buf *scratch, Buf *join) {
    Str token = side_tok(k, one, i), first = side_tok(k, two, f), second = side_tok(k, two, s);
    if (token.n == first.n + second.n && memcmp(token.s, first.s, (size_t)first.n) == 0 &&
        memcmp(token.s + first.n, second.s, (size_t)second.n) == 0)
        return 1.0;
    Str sone = side_skel(k, one, i), sf = side_skel(k, two, f), ss = side_skel(k, two, s);
    char *buf = buf_get(join, (size_t)(sf.n + ss.n + 1));
    if (buf == NULL) return -1.0;
    memcpy(buf, sf.s, (size_t)sf.n);
    memcpy(buf + sf.n, ss.s, (size_t)ss.n);
    Str stwo = {buf, sf.n + ss.n};
    if (str_eq(sone, stwo)) return 0.95;
    Py_ssize_t longest = sone.n > stwo.n ? sone.n : stwo.n;
    Py_ssize_t d = osa_bounded(sone, stwo, sone.n + stwo.n, scratch);
    if (d < 0) return -1.0;
    return 0.95 * (1.0 - (double)d / (double)longest);
}

/*
 * Where pair p sits: query token (and second, joined, token) and list token (and
 * second). ``flip``: the first index and its partner belong to the list side.
 */
static inline void set_pair(int *at, Py_ssize_t p, int flip, int one, int one_b, int two,
                            int two_b) {
    int *slot = at + 4 * p;
    if (flip) {
        slot[0] = two;
        slot[1] = two_b;
        slot[2] = one;
        slot[3] = one_b;
    } else {
        slot[0] = one;
        slot[1] = one_b;
        slot[2] = two;
        slot[3] = two_b;
    }
}

static int align_joined(const Kernel *k, Side *q, Side *l, double *pair_sim, char *pair_kind,
                        int *pair_at,
                        Py_ssize_t *n_pairs, Buf *scratch, Buf *join) {
    Side *sides[2][2] = {{q, l}, {l, q}};
    for (int dir = 0; dir < 2; dir++) {
        Side *one = sides[dir][0], *two = sides[dir][1];
        for (Py_ssize_t i = 0; i < one->n; i++) {
            Str token = side_tok(k, one, i);
            if (one->used[i] || token.n < 4) continue;
            Py_ssize_t span = two->n > 2 ? two->n : two->n - 1;
            for (Py_ssize_t j = 0; j < span; j++) {
                Py_ssize_t kk = (j + 1) % two->n;
                if (two->used[j] || two->used[kk]) continue;
                Py_ssize_t lj = side_tok(k, two, j).n, lk = side_tok(k, two, kk).n;
                Py_ssize_t diff = lj + lk - token.n;
                if (diff < 0) diff = -diff;
                if ((double)diff > 0.16 * (double)token.n + 1) continue;
                Py_ssize_t orders[2][2] = {{j, kk}, {kk, j}};
                for (int o = 0; o < 2; o++) {
                    double sim = joined_pair(k, one, i, two, orders[o][0], orders[o][1], scratch,
                                             join);
                    if (sim < -0.5) return -1;
                    if (sim >= 0.8) {
                        side_use(one, i, sim);
                        side_use(two, j, sim);
                        side_use(two, kk, sim);
                        pair_sim[*n_pairs] = sim;
                        pair_kind[*n_pairs] = 'j';
                        set_pair(pair_at, *n_pairs, dir, (int)i, -1, (int)j, (int)kk);
                        (*n_pairs)++;
                        break;
                    }
                }
                if (one->used[i]) break;
            }
        }
    }
    return 0;
}

static int align_initials(const Kernel *k, Side *q, Side *l, double *pair_sim, char *pair_kind,
                          int *pair_at,
                          Py_ssize_t *n_pairs) {
    int count = 0;
    Side *sides[2][2] = {{q, l}, {l, q}};
    for (int dir = 0; dir < 2; dir++) {
        Side *one = sides[dir][0], *two = sides[dir][1];
        for (Py_ssize_t i = 0; i < one->n; i++) {
            Str token = side_tok(k, one, i);
            if (one->used[i] || token.n != 1) continue;
            for (Py_ssize_t j = 0; j < two->n; j++) {
                if (!two->used[j] && side_tok(k, two, j).s[0] == token.s[0]) {
                    side_use(one, i, 0.5);
                    side_use(two, j, 0.5);
                    pair_sim[*n_pairs] = 0.5;
                    pair_kind[*n_pairs] = 'i';
                    set_pair(pair_at, *n_pairs, dir, (int)i, -1, (int)j, -1);
                    (*n_pairs)++;
                    count++;
                    break;
                }
            }
        }
    }
    return count;
}

/* The name features of (query name, list name row), as compare_names + name_vector. */
/* The aligned pairs of one comparison, for the explanation. */
typedef struct {
    Py_ssize_t n;
    double *sim;
    char *kind;
    int *at;
} Alignment;

static int compare(Kernel *k, const QName *qn, Py_ssize_t row, double *out, Alignment *al) {
    LName ln;
    if (decode(k, row, &ln) < 0) return -1;
    Py_ssize_t nl = ln.n, nq = qn->n;
    const double *l_weights = ln.weights;
    size_t nmax = (size_t)(nq + nl + 2);
    Cand *cands = buf_get(&k->cands, sizeof(Cand) * (size_t)(nq * nl + 1));
    int *pair_at = buf_get(&k->pair_at, sizeof(int) * 4 * nmax);
    char *mark = buf_get(&k->marks, nmax * (2 + 3 * sizeof(double) + 2 * sizeof(int) + 1) + 64);
    if (cands == NULL || mark == NULL || pair_at == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    /* carve the scratch: used flags, used sims, orders, pair sims and kinds, query weights */
    double *dblock = (double *)(((uintptr_t)mark + 7) & ~(uintptr_t)7);
    double *q_sim = dblock, *l_sim = q_sim + nq, *pair_sim = l_sim + nl, *q_weights = pair_sim + nq + nl;
    int *q_order = (int *)(q_weights + nq), *l_order = q_order + nq;
    char *q_used = (char *)(l_order + nl), *l_used = q_used + nq, *pair_kind = l_used + nl;
    memset(q_used, 0, (size_t)(nq + nl));
    memcpy(q_weights, qn->w, sizeof(double) * (size_t)nq);

    Py_ssize_t nc = 0;
    for (Py_ssize_t i = 0; i < nq; i++) {
        if (qn->tok[i].n == 1) continue;
        for (Py_ssize_t j = 0; j < nl; j++) {
            if (ln.tok[j].n == 1) continue;
            double sim = token_similarity(qn, i, ln.tok[j], ln.skel[j], ln.cons[j], &k->dist);
            if (sim < 0.0) {
                PyErr_NoMemory();
                return -1;
            }
            if (sim >= MIN_TOKEN_SIMILARITY) {
                cands[nc].sim = sim;
                cands[nc].i = (int)i;
                cands[nc].j = (int)j;
                nc++;
            }
        }
    }
    if (nc > 1) qsort(cands, (size_t)nc, sizeof(Cand), cand_cmp);
    Side q = {nq, qn->tok, qn->skel, q_used, q_sim, q_order, 0};
    Side l = {nl, ln.tok, ln.skel, l_used, l_sim, l_order, 0};
    Py_ssize_t n_pairs = 0;
    for (int strict = 1; strict >= 0; strict--) {
        for (Py_ssize_t c = 0; c < nc; c++) {
            int i = cands[c].i, j = cands[c].j;
            double sim = cands[c].sim;
            if (q_used[i] || l_used[j] || (strict && sim < STRICT_SIMILARITY)) continue;
            side_use(&q, i, sim);
            side_use(&l, j, sim);
            q_weights[i] = ln.tok_weight[j];
            pair_sim[n_pairs] = sim;
            pair_kind[n_pairs] = 't';
            set_pair(pair_at, n_pairs, 0, i, -1, j, -1);
            n_pairs++;
        }
        if (strict && (q.n_order < nq || l.n_order < nl)) {
            if (align_joined(k, &q, &l, pair_sim, pair_kind, pair_at, &n_pairs, &k->dist, &k->lcs_bits) < 0) {
                PyErr_NoMemory();
                return -1;
            }
        }
    }
    int initials = align_initials(k, &q, &l, pair_sim, pair_kind, pair_at, &n_pairs);
    if (al != NULL) {
        al->n = n_pairs;
        memcpy(al->sim, pair_sim, sizeof(double) * (size_t)n_pairs);
        memcpy(al->kind, pair_kind, (size_t)n_pairs);
        memcpy(al->at, pair_at, sizeof(int) * 4 * (size_t)n_pairs);
    }

    double q_total = 0.0, l_total = 0.0;
    for (Py_ssize_t i = 0; i < nq; i++) q_total += q_weights[i];
    for (Py_ssize_t j = 0; j < nl; j++) l_total += l_weights[j];
    if (q_total == 0.0) q_total = 1.0;
    if (l_total == 0.0) l_total = 1.0;
    double q_cov = 0.0, l_cov = 0.0, q_max = 0.0, l_max = 0.0;
    for (Py_ssize_t o = 0; o < q.n_order; o++) {
        int i = q_order[o];
        q_cov += q_weights[i] * q_sim[i];
        if (o == 0 || q_weights[i] > q_max) q_max = q_weights[i];
    }
    for (Py_ssize_t o = 0; o < l.n_order; o++) {
        int j = l_order[o];
        l_cov += l_weights[j] * l_sim[j];
        if (o == 0 || l_weights[j] > l_max) l_max = l_weights[j];
    }
    double matched_sum = 0.0;
    Py_ssize_t matched = 0;
    for (Py_ssize_t p = 0; p < n_pairs; p++) {
        if (pair_kind[p] != 'i') {
            matched_sum += pair_sim[p];
            matched++;
        }
    }
    double joined = -1.0;
    uint64_t *bits = buf_get(&k->lcs_bits, sizeof(uint64_t) * (size_t)qn->blocks + 8);
    if (bits == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t f = 0; f < ln.n_join; f++) {
        Str form = ln.joined[f];
        Py_ssize_t total = qn->joined.n + form.n;
        double sim;
        if (total == 0) {
            sim = 1.0;
        } else {
            Py_ssize_t common = lcs(qn->pm, qn->blocks, qn->joined.n, form, bits);
            double dist = (double)(total - 2 * common) / (double)total;
            sim = 1.0 - dist;
        }
        if (sim > joined) joined = sim;
    }
    double un_q = 0.0, un_l = 0.0;
    for (Py_ssize_t i = 0; i < nq; i++)
        if (!q_used[i]) un_q += q_weights[i];
    for (Py_ssize_t j = 0; j < nl; j++)
        if (!l_used[j]) un_l += l_weights[j];

    out[0] = q_cov / q_total;
    out[1] = l_cov / l_total;
    out[2] = matched ? matched_sum / (double)matched : 0.0;
    out[3] = joined;
    out[4] = un_q;
    out[5] = un_l;
    out[6] = matched <= 1 ? 1.0 : 0.0;
    out[7] = (double)initials;
    if (q.n_order && l.n_order)
        out[8] = q_max < l_max ? q_max : l_max;
    else
        out[8] = 0.0;
    out[9] = (qn->core >= 0 && qn->core == ln.core) ? 1.0 : 0.0;
    if (nl == 0)
        out[10] = 0.0;
    else if (nl > 1)
        out[10] = ((double)l_used[0] + (double)l_used[nl - 1]) / 2.0;
    else
        out[10] = (double)l_used[0];
    out[11] = ln.weak ? 1.0 : 0.0;
    return 0;
}

static double name_logit(const Kernel *k, const double *v) {
    double total = 0.0;
    for (int f = 0; f < N_NAME; f++) total += k->weights[f] * v[f];
    return total;
}

/* ------------------------------------------------------------- Python API */

/* The arrays are checked once, when a kernel is made: a numpy array is made read-only
   so that a later write (an accident: nothing in tripwire writes them) fails loudly
   instead of feeding unchecked offsets to the kernel. Other buffers are left as they are. */
static int make_read_only(PyObject *arr) {
    PyObject *setflags = PyObject_GetAttrString(arr, "setflags");
    if (setflags == NULL) {
        PyErr_Clear();
        return 0;
    }
    PyObject *args = PyTuple_New(0), *kwargs = Py_BuildValue("{s:O}", "write", Py_False);
    PyObject *result = args && kwargs ? PyObject_Call(setflags, args, kwargs) : NULL;
    Py_XDECREF(args);
    Py_XDECREF(kwargs);
    Py_DECREF(setflags);
    if (result == NULL) return -1;
    Py_DECREF(result);
    return 0;
}

/* Hold C-contiguous buffers of the named attributes of ``packed``, checking their types. */
static int bind_arrays(PyObject *packed, const char *const *names, const char *const *formats,
                       int n, Py_buffer *views, int *n_views, const void **ptrs,
                       Py_ssize_t *lens) {
    for (int a = 0; a < n; a++) {
        PyObject *arr = PyObject_GetAttrString(packed, names[a]);
        if (arr == NULL) return -1;
        if (make_read_only(arr) < 0) {
            Py_DECREF(arr);
            return -1;
        }
        Py_buffer *view = &views[*n_views];
        int rc = PyObject_GetBuffer(arr, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT);
        Py_DECREF(arr); /* the view holds its own reference */
        if (rc < 0) return -1;
        (*n_views)++;
        const char *fmt = view->format ? view->format : "B";
        if (fmt[0] == '<' || fmt[0] == '=' || fmt[0] == '@') fmt++;
        int ok = strcmp(fmt, formats[a]) == 0 ||
                 (formats[a][0] == 'q' && strcmp(fmt, "l") == 0 && sizeof(long) == 8) ||
                 (formats[a][0] == 'i' && strcmp(fmt, "l") == 0 && sizeof(long) == 4);
        if (!ok || view->itemsize <= 0) {
            PyErr_Format(PyExc_TypeError, "packed.%s: wrong element type %s (want %s)",
                         names[a], fmt, formats[a]);
            return -1;
        }
        if ((uintptr_t)view->buf % (uintptr_t)view->itemsize) {
            PyErr_Format(PyExc_ValueError, "packed.%s: not aligned", names[a]);
            return -1;
        }
        ptrs[a] = view->buf;
        lens[a] = view->len / view->itemsize;
    }
    return 0;
}

static int Kernel_init(Kernel *self, PyObject *args, PyObject *kwds) {
    PyObject *packed, *weights;
    static char *kwlist[] = {"packed", "weights", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO", kwlist, &packed, &weights)) return -1;
    if (self->packed != NULL || self->n_views != 0) {
        PyErr_SetString(PyExc_RuntimeError, "kernel already initialised (or failed to be)");
        return -1;
    }
    static const char *const names[2] = {"blob", "name_off"};
    static const char *const formats[2] = {"B", "q"};
    const void *ptrs[2];
    Py_ssize_t lens[2];
    if (bind_arrays(packed, names, formats, 2, self->views, &self->n_views, ptrs, lens) < 0)
        return -1;
    self->blob = ptrs[0];
    self->blob_len = lens[0];
    self->name_off = ptrs[1];
    self->n_names = lens[1] - 1;
    if (self->n_names < 0 || self->name_off[0] != 0 || self->name_off[self->n_names] != lens[0]) {
        PyErr_SetString(PyExc_ValueError, "packed: name offsets do not span the blob");
        return -1;
    }
    for (Py_ssize_t row = 0; row < self->n_names; row++) {
        int64_t at = self->name_off[row], end = self->name_off[row + 1];
        if (at % 8 || end < at || end > lens[0] ||
            record_size(self->blob + at, (Py_ssize_t)(end - at)) < 0) {
            PyErr_Format(PyExc_ValueError, "packed: name record %zd is malformed", row);
            return -1;
        }
    }
    PyObject *seq = PySequence_Tuple(weights);
    if (seq == NULL) return -1;
    if (PyTuple_GET_SIZE(seq) != N_NAME) {
        Py_DECREF(seq);
        PyErr_Format(PyExc_ValueError, "weights: expected %d name weights", N_NAME);
        return -1;
    }
    for (int f = 0; f < N_NAME; f++) {
        self->weights[f] = PyFloat_AsDouble(PyTuple_GET_ITEM(seq, f));
        if (self->weights[f] == -1.0 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return -1;
        }
    }
    Py_INCREF(packed);
    self->packed = packed;
    self->weights_obj = seq;
    return 0;
}

static PyObject *Kernel_reduce(Kernel *self, PyObject *unused) {
    if (self->packed == NULL) return PyErr_Format(PyExc_RuntimeError, "kernel not initialised");
    return Py_BuildValue("(O(OO))", Py_TYPE(self), self->packed, self->weights_obj);
}

static void Kernel_dealloc(Kernel *self) {
    for (int a = 0; a < self->n_views; a++) PyBuffer_Release(&self->views[a]);
    Py_XDECREF(self->packed);
    Py_XDECREF(self->weights_obj);
    PyMem_Free(self->cands.p);
    PyMem_Free(self->marks.p);
    PyMem_Free(self->dist.p);
    PyMem_Free(self->lcs_bits.p);
    PyMem_Free(self->pair_at.p);
    PyMem_Free(self->lname.p);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int check_row(const Kernel *k, Py_ssize_t row) {
    if (row < 0 || row >= k->n_names) {
        PyErr_Format(PyExc_IndexError, "name row %zd out of range", row);
        return -1;
    }
    return 0;
}

static PyObject *vector_tuple(const double *v) {
    PyObject *t = PyTuple_New(N_NAME);
    if (t == NULL) return NULL;
    for (int f = 0; f < N_NAME; f++) {
        PyObject *x = PyFloat_FromDouble(v[f]);
        if (x == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, f, x);
    }
    return t;
}

PyDoc_STRVAR(align_doc,
             "align(query_name, row) -> (features, pairs)\n\n"
             "The name features and the aligned pairs of one comparison, each pair as\n"
             "(kind, query token, second query token, list token, second list token,\n"
             "similarity): kind 't' token, 'j' joined (a second token is -1 unless joined),\n"
             "'i' initial.");

static PyObject *Kernel_align(Kernel *self, PyObject *args) {
    PyObject *name;
    Py_ssize_t row;
    if (self->packed == NULL) return PyErr_Format(PyExc_RuntimeError, "kernel not initialised");
    if (!PyArg_ParseTuple(args, "On", &name, &row)) return NULL;
    if (check_row(self, row) < 0) return NULL;
    PyObject *one = PyTuple_Pack(1, name);
    if (one == NULL) return NULL;
    Query q;
    PyObject *result = NULL;
    double v[N_NAME];
    Alignment al = {0, NULL, NULL, NULL};
    if (query_parse(one, &q) < 0) goto done;
    size_t cap = (size_t)(q.names[0].n + ((const NameHead *)(self->blob + self->name_off[row]))->n_tok + 2);
    al.sim = PyMem_Malloc(cap * sizeof(double));
    al.kind = PyMem_Malloc(cap);
    al.at = PyMem_Malloc(cap * 4 * sizeof(int));
    if (al.sim == NULL || al.kind == NULL || al.at == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (compare(self, &q.names[0], row, v, &al) < 0) goto done;
    PyObject *pairs = PyList_New(al.n);
    if (pairs == NULL) goto done;
    for (Py_ssize_t p = 0; p < al.n; p++) {
        PyObject *item = Py_BuildValue("(C iiii d)", (int)al.kind[p], al.at[4 * p],
                                       al.at[4 * p + 1], al.at[4 * p + 2], al.at[4 * p + 3],
                                       al.sim[p]);
        if (item == NULL) {
            Py_DECREF(pairs);
            goto done;
        }
        PyList_SET_ITEM(pairs, p, item);
    }
    PyObject *vec = vector_tuple(v);
    if (vec == NULL) {
        Py_DECREF(pairs);
        goto done;
    }
    result = Py_BuildValue("(NN)", vec, pairs);
done:
    PyMem_Free(al.sim);
    PyMem_Free(al.kind);
    PyMem_Free(al.at);
    query_free(&q);
    Py_DECREF(one);
    return result;
}

PyDoc_STRVAR(best_doc,
             "best(query_names, candidates, min_logit) -> [(position, logit, qi, ni, vector)].\n\n"
             "For each candidate (a sequence of name rows), the (query name, list name) pair\n"
             "with the highest name logit (first wins a tie, query names outer, as the\n"
             "reference scorer). Candidates whose best logit is below min_logit are left out.");

static PyObject *Kernel_best(Kernel *self, PyObject *args) {
    PyObject *names, *candidates;
    double min_logit;
    if (self->packed == NULL) return PyErr_Format(PyExc_RuntimeError, "kernel not initialised");
    if (!PyArg_ParseTuple(args, "OOd", &names, &candidates, &min_logit)) return NULL;
    /* tuples of our own: no code run below can change what we read */
    PyObject *cands = PySequence_Tuple(candidates);
    if (cands == NULL) return NULL;
    Query q;
    PyObject *out = NULL;
    if (query_parse(names, &q) < 0) goto done;
    if (q.count == 0) {
        PyErr_SetString(PyExc_ValueError, "query: no names");
        goto done;
    }
    out = PyList_New(0);
    if (out == NULL) goto done;
    Py_ssize_t n = PyTuple_GET_SIZE(cands);
    for (Py_ssize_t c = 0; c < n; c++) {
        PyObject *rows = PySequence_Tuple(PyTuple_GET_ITEM(cands, c));
        if (rows == NULL) goto fail;
        Py_ssize_t nr = PyTuple_GET_SIZE(rows);
        double best = 0.0, v[N_NAME], best_v[N_NAME];
        Py_ssize_t best_qi = -1, best_ni = -1;
        for (Py_ssize_t qi = 0; qi < q.count; qi++) {
            for (Py_ssize_t ni = 0; ni < nr; ni++) {
                PyObject *row_obj = PyTuple_GET_ITEM(rows, ni);
                if (!PyLong_CheckExact(row_obj)) {
                    PyErr_SetString(PyExc_TypeError, "candidate rows: expected ints");
                    Py_DECREF(rows);
                    goto fail;
                }
                Py_ssize_t row = PyLong_AsSsize_t(row_obj);
                if ((row == -1 && PyErr_Occurred()) || check_row(self, row) < 0 ||
                    compare(self, &q.names[qi], row, v, NULL) < 0) {
                    Py_DECREF(rows);
                    goto fail;
                }
                double logit = name_logit(self, v);
                if (best_qi < 0 || logit > best) {
                    best = logit;
                    best_qi = qi;
                    best_ni = ni;
                    memcpy(best_v, v, sizeof v);
                }
            }
        }
        Py_DECREF(rows);
        if (best_qi < 0 || best < min_logit) continue;
        PyObject *vec = vector_tuple(best_v);
        if (vec == NULL) goto fail;
        PyObject *item = Py_BuildValue("(ndnnN)", c, best, best_qi, best_ni, vec);
        if (item == NULL || PyList_Append(out, item) < 0) {
            Py_XDECREF(item);
            goto fail;
        }
        Py_DECREF(item);
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    query_free(&q);
    Py_DECREF(cands);
    return out;
}

static PyMethodDef Kernel_methods[] = {
    {"best", (PyCFunction)Kernel_best, METH_VARARGS, best_doc},
    {"align", (PyCFunction)Kernel_align, METH_VARARGS, align_doc},
    {"__reduce__", (PyCFunction)Kernel_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject KernelType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tripwire.screening._kernel.Kernel",
    .tp_doc = PyDoc_STR("Name features of (query, list name) pairs over packed list names."),
    .tp_basicsize = sizeof(Kernel),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Kernel_init,
    .tp_dealloc = (destructor)Kernel_dealloc,
    .tp_methods = Kernel_methods,
};

/* ------------------------------------------------------------ retrieval */

/*
 * The candidate step's inner loops: the trigram TF-IDF ranking of list names
 * (a sparse product over the query's rare trigrams, kept in flat arrays) and the
 * typo-tolerant word lookup. See tripwire.screening.index for the rules.
 */
#define GRAM_CODES (1 << 21)
#define N_RETRIEVAL 15

typedef struct {
    PyObject_HEAD
    PyObject *packed;
    Py_buffer views[N_RETRIEVAL];
    int n_views;
    const int64_t *col_ptr;
    const int32_t *col_rows;
    const float *col_vals;
    const float *gram_idf;
    const int8_t *gram_common;
    const char *gram_chars;
    Py_ssize_t n_cols;
    const int32_t *name_target;
    const int8_t *name_group;
    const int16_t *name_length;
    Py_ssize_t n_names;
    const int64_t *year_off;
    const int32_t *years;
    Py_ssize_t n_targets;
    const char *word_chars;
    const int64_t *word_off;
    Py_ssize_t n_words;
    const int64_t *word_row_off;
    const int32_t *word_rows;
    int32_t *gram_table;   /* trigram code -> column, or -1 */
    uint64_t *word_sig;    /* which characters each word has */
    int64_t *buckets;      /* (first character, length) -> [start, end) of words */
    Py_ssize_t max_len;
    /* scratch over names */
    float *cur, *total;
    int32_t *hits;
    int32_t *touched_cur, *touched_total, *touched_hits;
    char *in_total;
    char *marked;    /* per target: already in ``found`` */
    int32_t *room;   /* per marked target: how many more rows it takes */
    int32_t *marks;  /* the marked targets, to unmark */
    Buf entries, close, dist;
} Retriever;

static inline int gram_code(const char *s) {
    return (((unsigned char)s[0] & 127) << 14) | (((unsigned char)s[1] & 127) << 7) |
           ((unsigned char)s[2] & 127);
}

static inline uint64_t char_bit(unsigned char c) {
    if (c >= 'a' && c <= 'z') return (uint64_t)1 << (c - 'a');
    if (c >= '0' && c <= '9') return (uint64_t)1 << (26 + c - '0');
    return (uint64_t)1 << 63;
}

static uint64_t signature(Str s) {
    uint64_t sig = 0;
    for (Py_ssize_t i = 0; i < s.n; i++) sig |= char_bit((unsigned char)s.s[i]);
    return sig;
}

/* n + 1 offsets from 0 to ``total``, never decreasing. */
static int offsets_ok(const int64_t *off, Py_ssize_t n, Py_ssize_t total) {
    if (off[0] != 0 || off[n] != total) return 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (off[i + 1] < off[i]) return 0;
    return 1;
}

static int Retriever_init(Retriever *self, PyObject *args, PyObject *kwds) {
    PyObject *packed;
    static char *kwlist[] = {"packed", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O", kwlist, &packed)) return -1;
    if (self->packed != NULL || self->n_views != 0) {
        PyErr_SetString(PyExc_RuntimeError, "retriever already initialised (or failed to be)");
        return -1;
    }
    static const char *const names[N_RETRIEVAL] = {
        "col_ptr",     "col_rows",    "col_vals", "gram_idf",     "gram_common", "gram_chars",
        "name_target", "name_group",  "name_length", "year_off",  "years",       "word_chars",
        "word_off",    "word_row_off", "word_rows"};
    static const char *const formats[N_RETRIEVAL] = {"q", "i", "f", "f", "b", "B", "i", "b", "h",
                                                     "q", "i", "B", "q", "q", "i"};
    const void *ptrs[N_RETRIEVAL];
    Py_ssize_t lens[N_RETRIEVAL];
    if (bind_arrays(packed, names, formats, N_RETRIEVAL, self->views, &self->n_views, ptrs,
                    lens) < 0)
        return -1;
    self->col_ptr = ptrs[0];
    self->col_rows = ptrs[1];
    self->col_vals = ptrs[2];
    self->gram_idf = ptrs[3];
    self->gram_common = ptrs[4];
    self->gram_chars = ptrs[5];
    self->n_cols = lens[0] - 1;
    self->name_target = ptrs[6];
    self->name_group = ptrs[7];
    self->name_length = ptrs[8];
    self->n_names = lens[6];
    self->year_off = ptrs[9];
    self->years = ptrs[10];
    self->n_targets = lens[9] - 1;
    self->word_chars = ptrs[11];
    self->word_off = ptrs[12];
    self->n_words = lens[12] - 1;
    self->word_row_off = ptrs[13];
    self->word_rows = ptrs[14];
    if (self->n_cols < 0 || lens[1] != lens[2] || lens[3] != self->n_cols ||
        lens[4] != self->n_cols || lens[5] != 3 * self->n_cols || lens[7] != self->n_names ||
        lens[8] != self->n_names || self->n_targets < 0 || self->n_words < 0 ||
        lens[13] != self->n_words + 1) {
        PyErr_SetString(PyExc_ValueError, "packed retrieval: inconsistent array lengths");
        return -1;
    }
    if (!offsets_ok(self->col_ptr, self->n_cols, lens[1]) ||
        !offsets_ok(self->year_off, self->n_targets, lens[10]) ||
        !offsets_ok(self->word_off, self->n_words, lens[11]) ||
        !offsets_ok(self->word_row_off, self->n_words, lens[14])) {
        PyErr_SetString(PyExc_ValueError, "packed retrieval: offsets do not match the arrays");
        return -1;
    }
    for (Py_ssize_t w = 0; w < self->n_words; w++)
        if (self->word_off[w + 1] - self->word_off[w] > 255) {
            PyErr_SetString(PyExc_ValueError, "packed retrieval: word too long");
            return -1;
        }
    for (Py_ssize_t c = 0; c < self->n_cols; c++)
        if (!(self->gram_idf[c] > 0.0f) || !isfinite(self->gram_idf[c])) {
            PyErr_SetString(PyExc_ValueError, "packed retrieval: trigram weight not positive");
            return -1;
        }
    for (Py_ssize_t i = 0; i < lens[2]; i++) /* a zero would make a touched row look new */
        if (!(self->col_vals[i] > 0.0f) || !isfinite(self->col_vals[i])) {
            PyErr_SetString(PyExc_ValueError, "packed retrieval: matrix value not positive");
            return -1;
        }
    for (Py_ssize_t i = 0; i < self->n_names; i++)
        if (self->name_group[i] < 0 || self->name_group[i] > 7) {
            PyErr_SetString(PyExc_ValueError, "packed retrieval: schema group out of range");
            return -1;
        }
    for (Py_ssize_t i = 0; i < lens[14]; i++)
        if (self->word_rows[i] < 0 || self->word_rows[i] >= self->n_names) {
            PyErr_SetString(PyExc_ValueError, "packed retrieval: word row out of range");
            return -1;
        }
    for (Py_ssize_t i = 0; i < lens[1]; i++)
        if (self->col_rows[i] < 0 || self->col_rows[i] >= self->n_names) {
            PyErr_SetString(PyExc_ValueError, "packed retrieval: name row out of range");
            return -1;
        }
    for (Py_ssize_t i = 0; i < self->n_names; i++)
        if (self->name_target[i] < 0 || self->name_target[i] >= self->n_targets) {
            PyErr_SetString(PyExc_ValueError, "packed retrieval: target out of range");
            return -1;
        }
    size_t n = (size_t)(self->n_names ? self->n_names : 1);
    self->gram_table = PyMem_Malloc(sizeof(int32_t) * GRAM_CODES);
    self->word_sig = PyMem_Malloc(sizeof(uint64_t) * (size_t)(self->n_words + 1));
    self->cur = PyMem_Calloc(n, sizeof(float));
    self->total = PyMem_Calloc(n, sizeof(float));
    self->hits = PyMem_Calloc(n, sizeof(int32_t));
    /* one slot more than rows: the branch-free accumulation writes before it counts */
    self->touched_cur = PyMem_Malloc((n + 1) * sizeof(int32_t));
    self->touched_total = PyMem_Malloc((n + 1) * sizeof(int32_t));
    self->touched_hits = PyMem_Malloc(n * sizeof(int32_t));
    self->in_total = PyMem_Calloc(n, 1);
    size_t nt = (size_t)(self->n_targets ? self->n_targets : 1);
    self->marked = PyMem_Calloc(nt, 1);
    self->marks = PyMem_Malloc(nt * sizeof(int32_t));
    self->room = PyMem_Malloc(nt * sizeof(int32_t));
    if (!self->gram_table || !self->word_sig || !self->cur || !self->total || !self->hits ||
        !self->touched_cur || !self->touched_total || !self->touched_hits || !self->in_total ||
        !self->marked || !self->marks || !self->room) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t c = 0; c < GRAM_CODES; c++) self->gram_table[c] = -1;
    for (Py_ssize_t c = 0; c < self->n_cols; c++) self->gram_table[gram_code(self->gram_chars + 3 * c)] = (int32_t)c;
    self->max_len = 0;
    for (Py_ssize_t w = 0; w < self->n_words; w++) {
        Str word = {self->word_chars + self->word_off[w], (Py_ssize_t)(self->word_off[w + 1] - self->word_off[w])};
        if (word.n == 0) {
            PyErr_SetString(PyExc_ValueError, "packed retrieval: empty word");
            return -1;
        }
        self->word_sig[w] = signature(word);
        if (word.n > self->max_len) self->max_len = word.n;
    }
    /* words come sorted by (first character, length, word): each bucket is one run */
    size_t nb = 128 * (size_t)(self->max_len + 1) * 2;
    self->buckets = PyMem_Calloc(nb, sizeof(int64_t));
    if (self->buckets == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t w = 0; w < self->n_words; w++) {
        Py_ssize_t len = (Py_ssize_t)(self->word_off[w + 1] - self->word_off[w]);
        unsigned char first = (unsigned char)self->word_chars[self->word_off[w]] & 127;
        int64_t *b = self->buckets + ((size_t)first * (size_t)(self->max_len + 1) + (size_t)len) * 2;
        if (b[1] == 0) b[0] = w;
        else if (b[1] != w) {
            PyErr_SetString(PyExc_ValueError, "packed retrieval: words not sorted by bucket");
            return -1;
        }
        b[1] = w + 1;
    }
    Py_INCREF(packed);
    self->packed = packed;
    return 0;
}

static void Retriever_dealloc(Retriever *self) {
    for (int a = 0; a < self->n_views; a++) PyBuffer_Release(&self->views[a]);
    Py_XDECREF(self->packed);
    PyMem_Free(self->gram_table);
    PyMem_Free(self->word_sig);
    PyMem_Free(self->buckets);
    PyMem_Free(self->cur);
    PyMem_Free(self->total);
    PyMem_Free(self->hits);
    PyMem_Free(self->touched_cur);
    PyMem_Free(self->touched_total);
    PyMem_Free(self->touched_hits);
    PyMem_Free(self->in_total);
    PyMem_Free(self->marked);
    PyMem_Free(self->marks);
    PyMem_Free(self->room);
    PyMem_Free(self->entries.p);
    PyMem_Free(self->close.p);
    PyMem_Free(self->dist.p);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Retriever_reduce(Retriever *self, PyObject *unused) {
    if (self->packed == NULL) return PyErr_Format(PyExc_RuntimeError, "retriever not initialised");
    return Py_BuildValue("(O(O))", Py_TYPE(self), self->packed);
}

typedef struct {
    float score;
    int32_t row;
} Entry;

/* Best first: higher score, then lower row. */
static inline int entry_before(Entry a, Entry b) {
    return a.score > b.score || (a.score == b.score && a.row < b.row);
}

static int entry_cmp(const void *x, const void *y) {
    Entry a = *(const Entry *)x, b = *(const Entry *)y;
    return entry_before(a, b) ? -1 : (entry_before(b, a) ? 1 : 0);
}

/* Rearrange so that the first k entries are the k best (in any order). */
static void select_best(Entry *e, Py_ssize_t n, Py_ssize_t k) {
    Py_ssize_t lo = 0, hi = n - 1;
    while (lo < hi) {
        Entry pivot = e[lo + (hi - lo) / 2];
        Py_ssize_t i = lo, j = hi;
        while (i <= j) {
            while (entry_before(e[i], pivot)) i++;
            while (entry_before(pivot, e[j])) j--;
            if (i <= j) {
                Entry t = e[i];
                e[i] = e[j];
                e[j] = t;
                i++;
                j--;
            }
        }
        if (k - 1 <= j) hi = j;
        else if (k - 1 >= i) lo = i;
        else break;
    }
}

/* Add one query name's TF-IDF cosine to ``acc``, listing the rows it touches first. */
static Py_ssize_t score_text(Retriever *r, Str text, float *acc, int32_t *touched_rows) {
    Py_ssize_t n_grams = text.n >= 3 ? text.n - 2 : 0;
    if (n_grams == 0) return 0;
    int32_t cols[1024];
    float counts[1024];
    int n_cols = 0, rare = 0;
    for (Py_ssize_t i = 0; i < n_grams; i++) {
        int32_t col = r->gram_table[gram_code(text.s + i)];
        if (col < 0) continue;
        int k = 0;
        while (k < n_cols && cols[k] != col) k++;
        if (k == n_cols) {
            if (n_cols == 1024) continue; /* names are at most 400 characters */
            cols[n_cols] = col;
            counts[n_cols] = 0.0f;
            n_cols++;
            if (!r->gram_common[col]) rare++;
        }
        counts[k] += 1.0f;
    }
    if (n_cols == 0) return 0;
    /* only the rare trigrams, when there are any */
    int m = 0;
    for (int k = 0; k < n_cols; k++) {
        if (rare && r->gram_common[cols[k]]) continue;
        cols[m] = cols[k];
        counts[m] = counts[k] * r->gram_idf[cols[k]];
        m++;
    }
    double norm = 0.0;
    for (int k = 0; k < m; k++) norm += (double)counts[k] * (double)counts[k];
    norm = sqrt(norm);
    if (norm < 1e-9) norm = 1e-9;
    Py_ssize_t touched = 0;
    for (int k = 0; k < m; k++) {
        float w = (float)((double)counts[k] / norm);
        for (int64_t p = r->col_ptr[cols[k]]; p < r->col_ptr[cols[k] + 1]; p++) {
            int32_t row = r->col_rows[p];
            float before = acc[row];
            touched_rows[touched] = row; /* kept only when the row was untouched */
            touched += before == 0.0f;
            acc[row] = before + r->col_vals[p] * w;
        }
    }
    return touched;
}

static int born_near(const Retriever *r, int32_t t, long year) {
    for (int64_t y = r->year_off[t]; y < r->year_off[t + 1]; y++)
        if (labs((long)r->years[y] - year) <= 1) return 1;
    return 0;
}

PyDoc_STRVAR(rank_doc,
             "rank(texts, group_bits, limit, names_per_target, birth_year, found) -> None\n\n"
             "Adds to ``found`` ({target: (score, rows)}) the parties of the best trigram\n"
             "matches of the query names (spaced skeleton texts), as CandidateIndex.candidates.");

/* A party already in ``found`` and how many more rows it takes. */
typedef struct {
    int32_t target, room;
} Prefound;

/* What rank() does to ``found``: add a party with its first row, or give it one more. */
typedef struct {
    int32_t target, row;
    float score;
    int is_new;
} Action;

static PyObject *Retriever_rank(Retriever *self, PyObject *args) {
    PyObject *texts, *found;
    long group_bits, birth_year;
    Py_ssize_t limit, per_target;
    if (self->packed == NULL) return PyErr_Format(PyExc_RuntimeError, "retriever not initialised");
    if (!PyArg_ParseTuple(args, "OlnnlO!", &texts, &group_bits, &limit, &per_target, &birth_year,
                          &PyDict_Type, &found))
        return NULL;
    if (limit < 0 || per_target < 0)
        return PyErr_Format(PyExc_ValueError, "limit and names_per_target must be >= 0");
    if (limit > self->n_names) limit = self->n_names; /* no more parties than names */
    if (per_target > self->n_names) per_target = self->n_names;
    /* Everything that may fail or run Python code comes first, while no scratch is in
       use: the texts, and the parties already found with the rows each may still take. */
    PyObject *seq = PySequence_Tuple(texts);
    if (seq == NULL) return NULL;
    Py_ssize_t n_total = 0, n_texts = PyTuple_GET_SIZE(seq);
    Py_ssize_t n_marked = 0, n_prefound = 0;
    Prefound *prefound = NULL;
    for (Py_ssize_t q = 0; q < n_texts; q++) {
        Str text;
        if (ascii_str(PyTuple_GET_ITEM(seq, q), &text, "query text") < 0) {
            Py_DECREF(seq);
            return NULL;
        }
    }
    prefound = PyMem_Malloc(sizeof(Prefound) * (size_t)(PyDict_GET_SIZE(found) + 1));
    if (prefound == NULL) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    {
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(found, &pos, &key, &value)) {
            int overflow = 0;
            long t = PyLong_CheckExact(key) ? PyLong_AsLongAndOverflow(key, &overflow) : -1;
            PyObject *rows = PyTuple_Check(value) && PyTuple_GET_SIZE(value) == 2
                                 ? PyTuple_GET_ITEM(value, 1)
                                 : NULL;
            double score = rows && PyFloat_CheckExact(PyTuple_GET_ITEM(value, 0))
                               ? PyFloat_AS_DOUBLE(PyTuple_GET_ITEM(value, 0))
                               : -1.0;
            if (overflow || t < 0 || t >= self->n_targets || rows == NULL ||
                !PyList_Check(rows) || score < 0.0) {
                PyMem_Free(prefound);
                Py_DECREF(seq);
                return PyErr_Format(PyExc_TypeError,
                                    "found: expected {party: (float score, [rows])}");
            }
            prefound[n_prefound].target = (int32_t)t;
            /* a party with all its names (an identifier hit) takes no more */
            prefound[n_prefound].room =
                score < 1.0 ? (int32_t)(per_target - PyList_GET_SIZE(rows)) : 0;
            n_prefound++;
        }
    }
    for (Py_ssize_t q = 0; q < n_texts; q++) {
        Str text;
        ascii_str(PyTuple_GET_ITEM(seq, q), &text, "query text"); /* checked above */
        if (n_texts == 1) { /* one name: its scores are the scores */
            n_total = score_text(self, text, self->total, self->touched_total);
            break;
        }
        Py_ssize_t touched = score_text(self, text, self->cur, self->touched_cur);
        for (Py_ssize_t i = 0; i < touched; i++) {
            int32_t row = self->touched_cur[i];
            if (!self->in_total[row]) {
                self->in_total[row] = 1;
                self->touched_total[n_total++] = row;
                self->total[row] = self->cur[row];
            } else if (self->cur[row] > self->total[row]) {
                self->total[row] = self->cur[row];
            }
            self->cur[row] = 0.0f;
        }
    }
    Py_DECREF(seq);
    /* The best ``top`` rows of an allowed schema, in one pass that also clears the
       scratch: a buffer of twice ``top`` is cut back to the best ``top`` whenever it
       fills, and from then on only rows better than the worst kept enter. */
    Py_ssize_t top = limit * 8, cap = 2 * top + 1;
    Entry *heap = buf_get(&self->entries, sizeof(Entry) * (size_t)cap);
    if (heap == NULL) {
        PyErr_NoMemory();
        goto clear;
    }
    Py_ssize_t size = 0;
    Entry worst = {0.0f, 0};
    int full = 0;
    for (Py_ssize_t i = 0; i < n_total; i++) {
        int32_t row = self->touched_total[i];
        Entry e = {self->total[row], row};
        self->total[row] = 0.0f;
        self->in_total[row] = 0;
        if (top == 0 || e.score <= 0.0f || (full && !entry_before(e, worst))) continue;
        if (!((group_bits >> self->name_group[row]) & 1)) continue;
        heap[size++] = e;
        if (size == cap - 1) {
            select_best(heap, size, top);
            size = top;
            worst = heap[0];
            for (Py_ssize_t k = 1; k < size; k++)
                if (entry_before(worst, heap[k])) worst = heap[k];
            full = 1;
        }
    }
    n_total = 0;
    if (size > top) {
        select_best(heap, size, top);
        size = top;
    }
    qsort(heap, (size_t)size, sizeof(Entry), entry_cmp);
    /* Decide first, in C alone, then apply to ``found``: Python calls may allocate, an
       allocation may run a finaliser, and a finaliser may let another thread screen with
       this retriever; none of the scratch is in use by then. */
    Action *plan = PyMem_Malloc(sizeof(Action) * (size_t)(size + 1));
    if (plan == NULL) {
        PyErr_NoMemory();
        goto clear;
    }
    Py_ssize_t n_plan = 0;
    for (Py_ssize_t i = 0; i < n_prefound; i++) {
        int32_t t = prefound[i].target;
        if (!self->marked[t]) self->marks[n_marked++] = t;
        self->marked[t] = 1;
        self->room[t] = prefound[i].room;
    }
    Py_ssize_t added = 0, born = 0;
    for (Py_ssize_t e = 0; e < size; e++) {
        int32_t row = heap[e].row, t = self->name_target[row];
        if (!self->marked[t]) {
            if (added >= limit) {
                if (born >= limit / 2 || birth_year < 0 || !born_near(self, t, birth_year))
                    continue;
                born++;
            }
            added++;
            self->marked[t] = 1;
            self->marks[n_marked++] = t;
            self->room[t] = (int32_t)per_target - 1;
            plan[n_plan++] = (Action){t, row, heap[e].score, 1};
        } else if (self->room[t] > 0) {
            self->room[t]--;
            plan[n_plan++] = (Action){t, row, heap[e].score, 0};
        }
    }
    for (Py_ssize_t i = 0; i < n_marked; i++) self->marked[self->marks[i]] = 0;
    n_marked = 0;
    for (Py_ssize_t p = 0; p < n_plan; p++) {
        PyObject *key = PyLong_FromLong(plan[p].target);
        if (key == NULL) goto clear_plan;
        int rc;
        if (plan[p].is_new) {
            PyObject *value = Py_BuildValue("(d[l])", (double)plan[p].score, (long)plan[p].row);
            rc = value == NULL ? -1 : PyDict_SetItem(found, key, value);
            Py_XDECREF(value);
        } else {
            PyObject *entry = PyDict_GetItemWithError(found, key);
            if (entry == NULL || !PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 2 ||
                !PyList_Check(PyTuple_GET_ITEM(entry, 1))) {
                if (!PyErr_Occurred()) PyErr_SetString(PyExc_KeyError, "found: party changed");
                rc = -1;
            } else {
                PyObject *row_obj = PyLong_FromLong(plan[p].row);
                rc = row_obj == NULL ? -1 : PyList_Append(PyTuple_GET_ITEM(entry, 1), row_obj);
                Py_XDECREF(row_obj);
            }
        }
        Py_DECREF(key);
        if (rc < 0) goto clear_plan;
    }
    PyMem_Free(plan);
    PyMem_Free(prefound);
    Py_RETURN_NONE;
clear_plan:
    PyMem_Free(plan);
clear: /* an error part-way: leave the scratch clean for the next call */
    PyMem_Free(prefound);
    for (Py_ssize_t i = 0; i < n_marked; i++) self->marked[self->marks[i]] = 0;
    for (Py_ssize_t i = 0; i < self->n_names; i++) {
        self->cur[i] = 0.0f;
        self->total[i] = 0.0f;
        self->in_total[i] = 0;
    }
    return NULL;
}

typedef struct {
    Py_ssize_t distance;
    int32_t word;
} Close;

static const Retriever *close_owner;

static int close_cmp(const void *x, const void *y) {
    const Close *a = x, *b = y;
    if (a->distance != b->distance) return a->distance < b->distance ? -1 : 1;
    const Retriever *r = close_owner;
    Py_ssize_t la = (Py_ssize_t)(r->word_off[a->word + 1] - r->word_off[a->word]);
    Py_ssize_t lb = (Py_ssize_t)(r->word_off[b->word + 1] - r->word_off[b->word]);
    int c = memcmp(r->word_chars + r->word_off[a->word], r->word_chars + r->word_off[b->word],
                   (size_t)(la < lb ? la : lb));
    if (c) return c;
    return la < lb ? -1 : (la > lb ? 1 : 0);
}

/*
 * Add ``row`` under party ``t`` to ``out`` ([(party, [rows])], parties in the order met,
 * three rows each at most): 1 when ``t`` would be a party beyond ``limit`` (stop here),
 * -1 on error, 0 otherwise.
 */
static int add_party_row(PyObject *out, int32_t t, int32_t row, Py_ssize_t limit) {
    PyObject *rows = NULL;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(out); k++) {
        PyObject *item = PyList_GET_ITEM(out, k);
        if (PyLong_AsLong(PyTuple_GET_ITEM(item, 0)) == t) {
            rows = PyTuple_GET_ITEM(item, 1);
            break;
        }
    }
    if (rows == NULL) {
        if (PyList_GET_SIZE(out) >= limit) return 1;
        PyObject *item = Py_BuildValue("(l[])", (long)t);
        if (item == NULL || PyList_Append(out, item) < 0) {
            Py_XDECREF(item);
            return -1;
        }
        Py_DECREF(item); /* the list holds it */
        rows = PyTuple_GET_ITEM(item, 1);
    }
    if (PyList_GET_SIZE(rows) >= 3) return 0;
    PyObject *row_obj = PyLong_FromLong(row);
    int rc = row_obj == NULL ? -1 : PyList_Append(rows, row_obj);
    Py_XDECREF(row_obj);
    return rc < 0 ? -1 : 0;
}

typedef struct {
    int32_t hits, length, row;
} Hit;

static int hit_cmp(const void *x, const void *y) {
    const Hit *a = x, *b = y;
    if (a->hits != b->hits) return a->hits > b->hits ? -1 : 1;
    if (a->length != b->length) return a->length < b->length ? -1 : 1;
    return a->row < b->row ? -1 : (a->row > b->row ? 1 : 0);
}

PyDoc_STRVAR(typo_doc,
             "typo(words, group_bits, limit) -> [(target, rows)]\n\n"
             "Parties whose names have words two edits or less from the query's words (the\n"
             "query's skeleton words of four letters or more, same first letter): for each\n"
             "word its ten closest words, and the names holding the most of them first.");

static PyObject *Retriever_typo(Retriever *self, PyObject *args) {
    PyObject *words;
    long group_bits;
    Py_ssize_t limit;
    if (self->packed == NULL) return PyErr_Format(PyExc_RuntimeError, "retriever not initialised");
    if (!PyArg_ParseTuple(args, "Oln", &words, &group_bits, &limit)) return NULL;
    PyObject *seq = PySequence_Tuple(words);
    if (seq == NULL) return NULL;
    Py_ssize_t n_touched = 0;
    PyObject *out = NULL;
    Hit *ranked = NULL;
    for (Py_ssize_t q = 0; q < PyTuple_GET_SIZE(seq); q++) { /* checked before any scratch use */
        Str token;
        if (ascii_str(PyTuple_GET_ITEM(seq, q), &token, "query word") < 0) goto done;
    }
    for (Py_ssize_t q = 0; q < PyTuple_GET_SIZE(seq); q++) {
        Str token;
        ascii_str(PyTuple_GET_ITEM(seq, q), &token, "query word");
        if (token.n == 0) continue;
        uint64_t sig = signature(token);
        unsigned char first = (unsigned char)token.s[0] & 127;
        Pattern pattern;
        int bits = pattern_init(&pattern, token);
        Py_ssize_t n_close = 0;
        for (Py_ssize_t len = token.n - 2; len <= token.n + 2; len++) {
            if (len < 1 || len > self->max_len) continue;
            const int64_t *b = self->buckets + ((size_t)first * (size_t)(self->max_len + 1) + (size_t)len) * 2;
            for (int64_t w = b[0]; w < b[1]; w++) {
                if (popcount64(sig ^ self->word_sig[w]) > 4) continue;
                Str word = {self->word_chars + self->word_off[w], (Py_ssize_t)len};
                Py_ssize_t d = bits ? osa_bits(&pattern, word) : osa_bounded(token, word, 2, &self->dist);
                if (d < 0) {
                    PyErr_NoMemory();
                    goto done;
                }
                if (d > 2) continue;
                Close *c = buf_get(&self->close, sizeof(Close) * (size_t)(n_close + 1));
                if (c == NULL) {
                    PyErr_NoMemory();
                    goto done;
                }
                c[n_close].distance = d;
                c[n_close].word = (int32_t)w;
                n_close++;
            }
        }
        if (n_close == 0) continue;
        Close *c = self->close.p;
        close_owner = self;
        qsort(c, (size_t)n_close, sizeof(Close), close_cmp);
        if (n_close > 10) n_close = 10;
        for (Py_ssize_t k = 0; k < n_close; k++) {
            int32_t w = c[k].word;
            int32_t gain = (int32_t)(3 - c[k].distance);
            for (int64_t p = self->word_row_off[w]; p < self->word_row_off[w + 1]; p++) {
                int32_t row = self->word_rows[p];
                if (self->hits[row] == 0) self->touched_hits[n_touched++] = row;
                self->hits[row] += gain;
            }
        }
    }
    ranked = PyMem_Malloc(sizeof(Hit) * (size_t)(n_touched + 1));
    if (ranked == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n_touched; i++) {
        int32_t row = self->touched_hits[i];
        ranked[i].hits = self->hits[row];
        ranked[i].length = self->name_length[row];
        ranked[i].row = row;
        self->hits[row] = 0; /* the scratch is free before any Python call (see rank) */
    }
    Py_ssize_t n_ranked = n_touched;
    n_touched = 0;
    qsort(ranked, (size_t)n_ranked, sizeof(Hit), hit_cmp);
    out = PyList_New(0);
    if (out == NULL) goto done;
    for (Py_ssize_t i = 0; i < n_ranked; i++) {
        int32_t row = ranked[i].row;
        if (!((group_bits >> self->name_group[row]) & 1)) continue;
        int rc = add_party_row(out, self->name_target[row], row, limit);
        if (rc < 0) {
            Py_CLEAR(out);
            goto done;
        }
        if (rc > 0) break;
    }
done:
    for (Py_ssize_t i = 0; i < n_touched; i++) self->hits[self->touched_hits[i]] = 0;
    PyMem_Free(ranked);
    Py_DECREF(seq);
    return out;
}

/* The id of ``word`` among the packed words, or -1. */
static int64_t word_id(const Retriever *r, Str word) {
    if (word.n < 1 || word.n > r->max_len) return -1;
    unsigned char first = (unsigned char)word.s[0] & 127;
    const int64_t *b = r->buckets + ((size_t)first * (size_t)(r->max_len + 1) + (size_t)word.n) * 2;
    int64_t lo = b[0], hi = b[1] - 1;
    while (lo <= hi) { /* one bucket: same first letter and length, words in order */
        int64_t mid = lo + (hi - lo) / 2;
        int c = memcmp(r->word_chars + r->word_off[mid], word.s, (size_t)word.n);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

static int row_in(const int32_t *rows, int64_t n, int32_t row) {
    int64_t lo = 0, hi = n - 1;
    while (lo <= hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (rows[mid] == row) return 1;
        if (rows[mid] < row) lo = mid + 1;
        else hi = mid - 1;
    }
    return 0;
}

typedef struct {
    int32_t length, row;
} Short;

static int short_cmp(const void *x, const void *y) {
    const Short *a = x, *b = y;
    if (a->length != b->length) return a->length < b->length ? -1 : 1;
    return a->row < b->row ? -1 : (a->row > b->row ? 1 : 0);
}

PyDoc_STRVAR(all_words_doc,
             "all_words(words, group_bits, limit) -> [(target, rows)]\n\n"
             "Parties with a name holding every one of the query's words (skeletons of\n"
             "three letters or more), shortest names first: a name given without its\n"
             "middle parts ('Chol Kim' for Chol Nam Kim) shares too few trigrams to rank\n"
             "among the many names with one of its words.");

static PyObject *Retriever_all_words(Retriever *self, PyObject *args) {
    PyObject *words;
    long group_bits;
    Py_ssize_t limit;
    if (self->packed == NULL) return PyErr_Format(PyExc_RuntimeError, "retriever not initialised");
    if (!PyArg_ParseTuple(args, "Oln", &words, &group_bits, &limit)) return NULL;
    PyObject *seq = PySequence_Fast(words, "words: expected a sequence of str");
    if (seq == NULL) return NULL;
    Py_ssize_t n_words = PySequence_Fast_GET_SIZE(seq);
    PyObject *out = PyList_New(0);
    int64_t *ids = NULL;
    Short *hits = NULL;
    if (out == NULL || n_words < 2 || limit <= 0) goto done;
    ids = PyMem_Malloc(sizeof(int64_t) * (size_t)n_words);
    if (ids == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    int64_t shortest = -1;
    for (Py_ssize_t k = 0; k < n_words; k++) {
        Str word;
        if (ascii_str(PySequence_Fast_GET_ITEM(seq, k), &word, "query word") < 0) goto fail;
        ids[k] = word_id(self, word);
        if (ids[k] < 0) goto done; /* a word no list name has: no name has them all */
        int64_t size = self->word_row_off[ids[k] + 1] - self->word_row_off[ids[k]];
        if (shortest < 0 || size < self->word_row_off[shortest + 1] - self->word_row_off[shortest])
            shortest = ids[k];
    }
    int64_t from = self->word_row_off[shortest], to = self->word_row_off[shortest + 1];
    hits = PyMem_Malloc(sizeof(Short) * (size_t)(to - from + 1));
    if (hits == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_ssize_t n_hits = 0;
    for (int64_t p = from; p < to; p++) {
        int32_t row = self->word_rows[p];
        if (!((group_bits >> self->name_group[row]) & 1)) continue;
        int all = 1;
        for (Py_ssize_t k = 0; k < n_words && all; k++) {
            if (ids[k] == shortest) continue;
            int64_t o = self->word_row_off[ids[k]];
            all = row_in(self->word_rows + o, self->word_row_off[ids[k] + 1] - o, row);
        }
        if (all) {
            hits[n_hits].length = self->name_length[row];
            hits[n_hits].row = row;
            n_hits++;
        }
    }
    qsort(hits, (size_t)n_hits, sizeof(Short), short_cmp);
    for (Py_ssize_t i = 0; i < n_hits; i++) {
        int rc = add_party_row(out, self->name_target[hits[i].row], hits[i].row, limit);
        if (rc < 0) goto fail;
        if (rc > 0) break;
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    PyMem_Free(ids);
    PyMem_Free(hits);
    Py_DECREF(seq);
    return out;
}

static PyMethodDef Retriever_methods[] = {
    {"rank", (PyCFunction)Retriever_rank, METH_VARARGS, rank_doc},
    {"typo", (PyCFunction)Retriever_typo, METH_VARARGS, typo_doc},
    {"all_words", (PyCFunction)Retriever_all_words, METH_VARARGS, all_words_doc},
    {"__reduce__", (PyCFunction)Retriever_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject RetrieverType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tripwire.screening._kernel.Retriever",
    .tp_doc = PyDoc_STR("The candidate step's trigram ranking and typo lookup over packed arrays."),
    .tp_basicsize = sizeof(Retriever),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Retriever_init,
    .tp_dealloc = (destructor)Retriever_dealloc,
    .tp_methods = Retriever_methods,
};

/* Module-level distances, exposed for the tests that hold them to rapidfuzz's. */
static PyObject *py_osa(PyObject *mod, PyObject *args) {
    PyObject *a, *b;
    if (!PyArg_ParseTuple(args, "UU", &a, &b)) return NULL;
    Str x, y;
    if (ascii_str(a, &x, "a") < 0 || ascii_str(b, &y, "b") < 0) return NULL;
    Buf scratch = {NULL, 0};
    Pattern pattern;
    Py_ssize_t d = pattern_init(&pattern, x) ? osa_bits(&pattern, y) : osa_bounded(x, y, x.n + y.n, &scratch);
    PyMem_Free(scratch.p);
    if (d < 0) return PyErr_NoMemory();
    return PyLong_FromSsize_t(d);
}

static PyObject *py_lcs(PyObject *mod, PyObject *args) {
    PyObject *a, *b;
    if (!PyArg_ParseTuple(args, "UU", &a, &b)) return NULL;
    Str x, y;
    if (ascii_str(a, &x, "a") < 0 || ascii_str(b, &y, "b") < 0) return NULL;
    Py_ssize_t blocks = x.n / 64 + 1;
    uint64_t *pm = PyMem_Calloc(128 * (size_t)blocks, sizeof(uint64_t));
    uint64_t *bits = PyMem_Calloc((size_t)blocks, sizeof(uint64_t));
    if (pm == NULL || bits == NULL) {
        PyMem_Free(pm);
        PyMem_Free(bits);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < x.n; i++)
        pm[(size_t)((unsigned char)x.s[i] & 127) * (size_t)blocks + (size_t)(i / 64)] |=
            ((uint64_t)1) << (i % 64);
    Py_ssize_t common = lcs(pm, blocks, x.n, y, bits);
    PyMem_Free(pm);
    PyMem_Free(bits);
    return PyLong_FromSsize_t(common);
}

static PyMethodDef module_methods[] = {
    {"osa", py_osa, METH_VARARGS, "OSA distance of two ASCII strings."},
    {"lcs", py_lcs, METH_VARARGS, "Longest common subsequence length of two ASCII strings."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef kernel_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_kernel",
    .m_doc = "Compiled candidate step and name comparison of tripwire's screening.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__kernel(void) {
    init_max_edits();
    if (PyType_Ready(&KernelType) < 0 || PyType_Ready(&RetrieverType) < 0) return NULL;
    PyObject *m = PyModule_Create(&kernel_module);
    if (m == NULL) return NULL;
    Py_INCREF(&KernelType);
    if (PyModule_AddObject(m, "Kernel", (PyObject *)&KernelType) < 0) {
        Py_DECREF(&KernelType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&RetrieverType);
    if (PyModule_AddObject(m, "Retriever", (PyObject *)&RetrieverType) < 0) {
        Py_DECREF(&RetrieverType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

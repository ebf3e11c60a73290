/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int samples_init(struct samples *s, size_t cap) {
        s->ns = malloc(cap * sizeof *s->ns);
        s->n = 0;
        s->cap = cap;
        s->sorted = false;
        return s->ns ? 0 : -ENOMEM;
}

void samples_free(struct samples *s) {
        free(s->ns);
        s->ns = NULL;
        s->n = s->cap = 0;
}

void samples_add(struct samples *s, uint64_t ns) {
        if (s->n == s->cap)
                return;
        s->ns[s->n++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t) ns;
        s->sorted = false;
}

static int cmp_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
        return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least pct % of them at or below it. */
double samples_pct_us(struct samples *s, double pct) {
        size_t rank;

        if (s->n == 0)
                return 0.0;
        if (!s->sorted) {
                qsort(s->ns, s->n, sizeof *s->ns, cmp_u32);
                s->sorted = true;
        }
        rank = (size_t) (pct / 100.0 * (double) s->n + 0.999999);
        if (rank < 1)
                rank = 1;
        if (rank > s->n)
                rank = s->n;
        return s->ns[rank - 1] / 1000.0;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

double median(double *v, size_t n) {
        if (n == 0)
                return 0.0;
        qsort(v, n, sizeof *v, cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

double samples_median_from_us(const struct samples *s, size_t from) {
        struct samples copy;
        double v;

        if (samples_init(&copy, s->n - from) < 0)
                return 0.0;
        memcpy(copy.ns, s->ns + from, (s->n - from) * sizeof *s->ns);
        copy.n = s->n - from;
        v = samples_pct_us(&copy, 50.0);
        samples_free(&copy);
        return v;
}

#include "baseline.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct { double time; uint64_t seq; int kind; int64_t id; } ev;
enum { ARRIVAL = 0, DEPART = 1, ABANDON = 2 };

typedef struct { ev *a; size_t n, cap; } heap;

static int before(const ev *x, const ev *y) {
    return x->time < y->time || (x->time == y->time && x->seq < y->seq);
}

static void push(heap *h, ev e) {
    if (h->n == h->cap) { h->cap = h->cap ? h->cap * 2 : 1024; h->a = realloc(h->a, h->cap * sizeof(ev)); }
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(&e, &h->a[p])) break;
        h->a[i] = h->a[p]; i = p;
    }
    h->a[i] = e;
}

static ev pop(heap *h) {
    ev top = h->a[0], last = h->a[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && before(&h->a[c + 1], &h->a[c])) c++;
        if (!before(&h->a[c], &last)) break;
        h->a[i] = h->a[c]; i = c;
    }
    if (n) h->a[i] = last;
    return top;
}

static uint64_t rng_state;
static double uniform_pos(void) {
    uint64_t x = rng_state;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    rng_state = x;
    return ((x >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
static double expo(double mean) { return -mean * log(uniform_pos()); }

simcc_baseline_result simcc_baseline_mmnm(int agents, double rate, double mean_talk,
                                          double mean_patience, double horizon, uint64_t seed) {
    simcc_baseline_result r = {0, 0, 0, 0};
    rng_state = seed * 2654435761u + 88172645463325252ull;
    heap h = {0, 0, 0};
    uint64_t seq = 0;
    int idle = agents;
    // Callers: state 1 = waiting, 0 = gone; a FIFO of their ids.
    size_t cap = 1 << 16, qhead = 0, qcount = 0;
    int64_t *queue = malloc(cap * sizeof(int64_t));
    size_t scap = 1 << 16;
    unsigned char *waiting = calloc(scap, 1);
    int64_t next_id = 0;
    push(&h, (ev){expo(1.0 / rate), seq++, ARRIVAL, 0});
    while (h.n) {
        ev e = pop(&h);
        double t = e.time;
        if (e.kind == ARRIVAL) {
            r.events++; r.arrivals++;
            int64_t id = next_id++;
            if ((size_t)id >= scap) { size_t old = scap; scap *= 2; waiting = realloc(waiting, scap); memset(waiting + old, 0, scap - old); }
            if (idle > 0) {
                idle--; r.answered++;
                push(&h, (ev){t + expo(mean_talk), seq++, DEPART, id});
            } else {
                waiting[id] = 1;
                if (qcount == cap) {
                    int64_t *bigger = malloc(2 * cap * sizeof(int64_t));
                    for (size_t i = 0; i < qcount; i++) bigger[i] = queue[(qhead + i) % cap];
                    free(queue); queue = bigger; qhead = 0; cap *= 2;
                }
                queue[(qhead + qcount++) % cap] = id;
                push(&h, (ev){t + expo(mean_patience), seq++, ABANDON, id});
            }
            double next = t + expo(1.0 / rate);
            if (next < horizon) push(&h, (ev){next, seq++, ARRIVAL, 0});
        } else if (e.kind == DEPART) {
            r.events++;
            int served = 0;
            while (qcount) {
                int64_t id = queue[qhead]; qhead = (qhead + 1) % cap; qcount--;
                if (waiting[id]) {
                    waiting[id] = 0; r.answered++; served = 1;
                    push(&h, (ev){t + expo(mean_talk), seq++, DEPART, id});
                    break;
                }
            }
            if (!served) idle++;
        } else {
            if (waiting[e.id]) { waiting[e.id] = 0; r.events++; r.abandoned++; }
        }
    }
    free(h.a); free(queue); free(waiting);
    return r;
}

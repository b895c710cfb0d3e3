#ifndef SIMCC_CGSL_RANDOM_H
#define SIMCC_CGSL_RANDOM_H

// simcc's generator and its fast exponential draw.
//
// Every random stream of simcc is a xoshiro256++ generator (Blackman and Vigna, "Scrambled
// linear pseudorandom number generators", ACM TOMS 47(4), 2021): 256 bits of state, period
// 2^256 - 1, a few instructions a draw. It is registered as a GSL generator type
// (`simcc_gsl_rng_xoshiro`), so GSL's distributions (gamma, lognormal, Weibull, flat,
// discrete, integers) draw from it as from any GSL generator; simcc's own hot draws (uniforms,
// exponentials) read its state directly, inline.
//
// A stream's state is set from its 64-bit key (derived from seed, replication, purpose and
// entity: `StreamSeeds`) by four steps of SplitMix64, as the authors advise.

#include <stdint.h>
#include <math.h>
#include <gsl/gsl_rng.h>

static inline uint64_t simcc_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// One step: the next 64 bits.
static inline uint64_t simcc_xoshiro_next(uint64_t *s) {
    const uint64_t result = simcc_rotl(s[0] + s[3], 23) + s[0];
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = simcc_rotl(s[3], 45);
    return result;
}

static inline uint64_t simcc_splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// The state of key `key` (never all zero: SplitMix64's outputs are a bijection of distinct
// counters, and four consecutive ones are not all zero).
static inline void simcc_xoshiro_seed(uint64_t *s, uint64_t key) {
    uint64_t x = key;
    for (int i = 0; i < 4; i++) { s[i] = simcc_splitmix64(&x); }
}

// GSL's side: 32-bit integers (the high half, the best bits), doubles in [0, 1) from 53 bits.
static void simcc_xoshiro_gsl_set(void *state, unsigned long int seed) {
    simcc_xoshiro_seed((uint64_t *)state, (uint64_t)seed);
}
static unsigned long int simcc_xoshiro_gsl_get(void *state) {
    return (unsigned long int)(simcc_xoshiro_next((uint64_t *)state) >> 32);
}
static double simcc_xoshiro_gsl_get_double(void *state) {
    return (double)(simcc_xoshiro_next((uint64_t *)state) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type simcc_xoshiro_type = {
    "simcc-xoshiro256++", 0xffffffffUL, 0, 4 * sizeof(uint64_t),
    &simcc_xoshiro_gsl_set, &simcc_xoshiro_gsl_get, &simcc_xoshiro_gsl_get_double,
};

static inline const gsl_rng_type *simcc_gsl_rng_xoshiro(void) { return &simcc_xoshiro_type; }

// Sets the state of a generator of type `simcc_gsl_rng_xoshiro` from a 64-bit key.
static inline void simcc_xoshiro_set_key(gsl_rng *r, uint64_t key) { simcc_xoshiro_seed((uint64_t *)r->state, key); }

// A uniform double in (0, 1), never 0 nor 1: the midpoint of one of 2^52 equal cells.
static inline double simcc_xoshiro_uniform_pos(gsl_rng *r) {
    return ((double)(simcc_xoshiro_next((uint64_t *)r->state) >> 12) + 0.5) * 0x1.0p-52;
}

// The exponential ziggurat (Marsaglia and Tsang, "The Ziggurat Method for Generating Random
// Variables", J. Stat. Software 5(8), 2000), 256 layers, on 64-bit draws: the low 8 bits pick
// the layer, the high 53 bits are the magnitude (independent bits, unlike the 32-bit original).
// About 98.9% of draws end at the first comparison; the rest test the wedge under the curve,
// or (layer 0, beyond r) draw the tail, r plus an exponential, exactly.
#include "ziggurat.h"

static inline double simcc_standard_exponential_slow(uint64_t *s, unsigned idx, uint64_t magnitude);

// A standard exponential (mean 1) from the generator of type `simcc_gsl_rng_xoshiro`.
static inline double simcc_xoshiro_exponential(gsl_rng *r) {
    uint64_t *s = (uint64_t *)r->state;
    const uint64_t bits = simcc_xoshiro_next(s);
    const unsigned idx = (unsigned)(bits & 0xff);
    const uint64_t magnitude = bits >> 11;
    if (magnitude < simcc_zig_exp_k[idx]) { return (double)magnitude * simcc_zig_exp_w[idx]; }
    return simcc_standard_exponential_slow(s, idx, magnitude);
}

static inline double simcc_standard_exponential_slow(uint64_t *s, unsigned idx, uint64_t magnitude) {
    for (;;) {
        if (idx == 0) {
            // The tail beyond r: r plus a standard exponential (memorylessness).
            const double u = ((double)(simcc_xoshiro_next(s) >> 12) + 0.5) * 0x1.0p-52;
            return 7.69711747013104972 - log(u);
        }
        const double x = (double)magnitude * simcc_zig_exp_w[idx];
        const double u = (double)(simcc_xoshiro_next(s) >> 11) * 0x1.0p-53;
        if (simcc_zig_exp_f[idx] + u * (simcc_zig_exp_f[idx - 1] - simcc_zig_exp_f[idx]) < exp(-x)) { return x; }
        const uint64_t bits = simcc_xoshiro_next(s);
        idx = (unsigned)(bits & 0xff);
        magnitude = bits >> 11;
        if (magnitude < simcc_zig_exp_k[idx]) { return (double)magnitude * simcc_zig_exp_w[idx]; }
    }
}

#endif

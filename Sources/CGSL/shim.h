#ifndef SIMCC_CGSL_SHIM_H
#define SIMCC_CGSL_SHIM_H

#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_errno.h>

// GSL names its generator types as mutable C globals (`const gsl_rng_type *gsl_rng_mt19937`).
// Swift 6 refuses to read mutable globals from any concurrency domain, so these accessors
// return them by value.
static inline const gsl_rng_type *simcc_gsl_rng_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_rng_type *simcc_gsl_rng_taus2(void) { return gsl_rng_taus2; }

// GSL aborts the process on a domain error by default; simcc validates its inputs first and
// turns the handler off once, so a library bug surfaces as a NaN rather than an abort.
static inline void simcc_gsl_disable_abort(void) { gsl_set_error_handler_off(); }

// The generator's step, called through GSL's function pointer without a Swift thunk.
static inline double simcc_gsl_rng_uniform_pos(const gsl_rng *r) { return gsl_rng_uniform_pos(r); }

// Sets a taus2 generator's whole 96-bit state (GSL's own `gsl_rng_set` takes a 32-bit seed), so
// that per-entity substreams derived from (seed, replication, purpose, entity) do not collide.
// The layout is GSL's `taus_state_t` (three unsigned longs); each component must exceed a small
// bound (s1 > 1, s2 > 7, s3 > 15) for the generator to have its full period, as GSL's own
// seeding ensures. Then six warm-up steps, as in GSL's `taus_set`.
static inline void simcc_taus2_set_state(gsl_rng *r, unsigned long a, unsigned long b, unsigned long c) {
    unsigned long *s = (unsigned long *)r->state;
    s[0] = (a & 0xffffffffUL) | 2UL;
    s[1] = (b & 0xffffffffUL) | 8UL;
    s[2] = (c & 0xffffffffUL) | 16UL;
    for (int i = 0; i < 6; i++) { (void)gsl_rng_get(r); }
}

#endif

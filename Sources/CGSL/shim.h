#ifndef SIMCC_CGSL_SHIM_H
#define SIMCC_CGSL_SHIM_H

#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_errno.h>

// GSL aborts the process on a domain error by default; simcc validates its inputs first and
// turns the handler off once, so a library bug surfaces as a NaN rather than an abort.
static inline void simcc_gsl_disable_abort(void) { gsl_set_error_handler_off(); }

#include "random.h"

#endif

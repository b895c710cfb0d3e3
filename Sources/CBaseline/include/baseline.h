#ifndef SIMCC_BASELINE_H
#define SIMCC_BASELINE_H

#include <stdint.h>

/// What the baseline loop counted.
typedef struct {
    uint64_t events;      ///< arrivals + service completions + abandonments
    uint64_t arrivals;
    uint64_t answered;
    uint64_t abandoned;
} simcc_baseline_result;

/// A minimal hand-written M/M/n+M loop in C: a binary heap of (time, sequence, kind, id),
/// a FIFO queue of callers, xorshift random numbers, no statistics beyond counts. It is the
/// yardstick `simcc bench` measures the whole Swift stack against, in the same run.
simcc_baseline_result simcc_baseline_mmnm(int agents, double arrival_rate, double mean_talk,
                                          double mean_patience, double horizon, uint64_t seed);

#endif

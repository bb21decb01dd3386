package sim

import "errors"

// horizon bounds every instant the engine computes: 2^62 ns, about 146
// years. The workload package keeps what it accepts well below it (starts,
// arrivals and the durations of all tasks each add up to at most about 73
// years); a long tail of draws, or a workload built in code, can still
// reach it, and then the run stops with ErrTooLong instead of letting int64
// nanoseconds wrap into negative times.
const horizon = int64(1) << 62

// ErrTooLong is the error of a run whose virtual time would pass horizon.
var ErrTooLong = errors.New("sim: virtual time would pass 146 years (2^62 ns), more than the engine can count; shorten the durations or the counts")

// later returns now + d, or horizon when that is later (0 ≤ now ≤ horizon).
func later(now, d int64) int64 {
	if d >= horizon-now {
		return horizon
	}
	return now + d
}

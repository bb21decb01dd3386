package workload

import "math"

// ArrivalsStream is the random stream an open workload's arrival times and
// groups are drawn from (NewRand(seed, ArrivalsStream)); each task draws
// its durations from the stream of its id, which stays far below it.
const ArrivalsStream = 1 << 62

// Schedule draws an open workload's arrivals in order, the one rule the
// simulator and the real load generator share: the gaps (exponential at
// the rate for Poisson, else the rate's interval after the first at 0) and
// each arrival's group, by weight, from one random stream. It ends at the
// arrivals' count, or with the first arrival at or past the window.
type Schedule struct {
	a     *Arrivals
	rng   Rand
	gap   float64   // mean time between arrivals, ns
	cum   []float64 // cumulative group weights
	n     int       // arrivals drawn
	t     float64   // time of the last arrival, ns
	ended bool
}

// Schedule returns the arrivals of w, which must be an open workload.
func (w *Workload) Schedule() *Schedule {
	s := &Schedule{a: w.Arrivals, rng: NewRand(w.Seed, ArrivalsStream), gap: 1e9 / w.Arrivals.Rate}
	total := 0.0
	for _, g := range w.Groups {
		wt := g.Weight
		if wt <= 0 {
			wt = 1
		}
		total += wt
		s.cum = append(s.cum, total)
	}
	return s
}

// Next draws the next arrival: its time in nanoseconds from the start, not
// rounded (a rate far below what the count or window needs gives times
// beyond int64: callers bound it before converting), and the index of its
// group. ok is false once the arrivals have ended.
func (s *Schedule) Next() (t float64, group int, ok bool) {
	if s.ended || (s.a.Count > 0 && s.n >= s.a.Count) || s.n >= math.MaxInt32 {
		s.ended = true
		return 0, 0, false
	}
	if s.a.Pattern == Poisson {
		u := s.rng.Float64()
		s.t += -math.Log(1-u) * s.gap
	} else if s.n > 0 {
		s.t += s.gap
	}
	if s.a.Count == 0 && !(s.t < float64(s.a.For)) {
		s.ended = true
		return 0, 0, false
	}
	if len(s.cum) > 1 {
		x := s.rng.Float64() * s.cum[len(s.cum)-1]
		for group < len(s.cum)-1 && x >= s.cum[group] {
			group++
		}
	}
	s.n++
	return s.t, group, true
}

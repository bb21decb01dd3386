package traces

import (
	"math/rand/v2"
	"slices"
)

// Aggregate is what the workload needs of the requests, in memory that
// does not grow with them: exact counts, sums and the arrivals' first and
// last times; for each route a sample of its durations (for the p99) and,
// per path, a sample of its requests (for fitting each step). Samples are
// reservoirs drawn with a fixed seed, so an import is the same every time.
type Aggregate struct {
	N           int
	First, Last int64 // the first and last request's start
	// Starts are the starts of the first maxStarts requests finished: the
	// gaps the arrivals' pattern is tested on.
	Starts         []int64
	Total, Waiting int64 // the requests' time, and their time in calls
	Longest        int64 // the longest request's duration, and its route
	LongestRoute   string
	Routes         map[string]*RouteAggregate
	Order          []string // routes in the order they were first met
	// All holds every request, in the order they were finished, when the
	// Reader keeps them (KeepAll: --replay, tests); else nil.
	All []Request

	rng *rand.Rand
}

// RouteAggregate is one route's requests.
type RouteAggregate struct {
	Count  int
	Sum    int64   // of their durations
	Durs   []int64 // a sample of their durations
	Paths  map[string]*PathAggregate
	Order  []string // paths in the order they were first met
	seenDs int
}

// PathAggregate is the requests of a route that made the same calls.
type PathAggregate struct {
	Count int
	Reqs  []*Request // a sample of them
}

// The bounds of the samples: enough to fit a distribution and to read a
// 99th percentile; beyond them each request replaces a kept one with the
// reservoir's odds.
const (
	maxStarts    = 1 << 20
	maxDurations = 1 << 16
	maxPathReqs  = 1 << 11
)

func newAggregate() *Aggregate {
	return &Aggregate{Routes: map[string]*RouteAggregate{}, rng: rand.New(rand.NewPCG(1, 2))}
}

// add counts r in, keeping it as a sample if its odds say so.
func (a *Aggregate) add(r Request, keepAll bool) {
	if a.N == 0 || r.Start < a.First {
		a.First = r.Start
	}
	if a.N == 0 || r.Start > a.Last {
		a.Last = r.Start
	}
	a.N++
	if len(a.Starts) < maxStarts {
		a.Starts = append(a.Starts, r.Start)
	}
	a.Total += r.Dur
	if r.Dur > a.Longest {
		a.Longest, a.LongestRoute = r.Dur, r.Route
	}
	a.Waiting += r.Waiting()
	ra := a.Routes[r.Route]
	if ra == nil {
		ra = &RouteAggregate{Paths: map[string]*PathAggregate{}}
		a.Routes[r.Route] = ra
		a.Order = append(a.Order, r.Route)
	}
	ra.Count++
	ra.Sum += r.Dur
	ra.seenDs++
	if len(ra.Durs) < maxDurations {
		ra.Durs = append(ra.Durs, r.Dur)
	} else if k := a.rng.IntN(ra.seenDs); k < maxDurations {
		ra.Durs[k] = r.Dur
	}
	shape := r.shape()
	pa := ra.Paths[shape]
	if pa == nil {
		pa = &PathAggregate{}
		ra.Paths[shape] = pa
		ra.Order = append(ra.Order, shape)
	}
	pa.Count++
	if keepAll {
		a.All = append(a.All, r)
	}
	if len(pa.Reqs) < maxPathReqs {
		pa.Reqs = append(pa.Reqs, &r)
	} else if k := a.rng.IntN(pa.Count); k < maxPathReqs {
		pa.Reqs[k] = &r
	}
}

// routes returns the routes, most requests first (ties in the order met).
func (a *Aggregate) routes() []string {
	order := slices.Clone(a.Order)
	slices.SortStableFunc(order, func(x, y string) int { return a.Routes[y].Count - a.Routes[x].Count })
	return order
}

// paths returns a route's paths, most requests first (ties in the order met).
func (ra *RouteAggregate) paths() []string {
	order := slices.Clone(ra.Order)
	slices.SortStableFunc(order, func(x, y string) int { return ra.Paths[y].Count - ra.Paths[x].Count })
	return order
}

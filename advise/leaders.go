package advise

import (
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// Leaders returns the indexes of the runs of wl that rank first by
// Advise's primary measure: for an open workload the lowest p99 among the
// runs that are not overloaded (Overloaded), for a batch the shortest
// makespan; runs within Equal of the best tie with it and lead too. A
// run that ended in a deadlock never leads (its makespan is where it
// stopped). It returns none when every run of an open workload is
// overloaded.
func Leaders(wl *workload.Workload, runs []*sim.Result) []int {
	open := wl != nil && wl.Arrivals != nil
	primary := func(r *sim.Result) int64 {
		if open {
			return r.Latency.P99
		}
		return r.Makespan
	}
	best, found := int64(0), false
	for _, r := range runs {
		if r == nil || Overloaded(wl, r) || r.Deadlock != nil {
			continue
		}
		if v := primary(r); !found || v < best {
			best, found = v, true
		}
	}
	var out []int
	for i, r := range runs {
		if r != nil && found && !Overloaded(wl, r) && r.Deadlock == nil && tier(float64(primary(r)), float64(best), 1+Equal) == 0 {
			out = append(out, i)
		}
	}
	return out
}

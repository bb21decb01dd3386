package advise

import (
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// Overloaded reports whether the run r of the open workload wl could not
// keep up with its arrivals: the queue grew without bound over the arrival
// window, as the engine judges it (sim.Result.Overloaded: the tasks in
// flight grew during the second half of the window by more than a
// twentieth of its arrivals). A batch is never overloaded.
//
// This is the one place advise decides overload.
func Overloaded(wl *workload.Workload, r *sim.Result) bool {
	return wl != nil && wl.Arrivals != nil && r != nil && r.Overloaded
}

// Served returns the rate at which run r completed the tasks of wl, per
// second: the run's throughput, except for an overloaded open workload,
// where it is what the deployment actually sustained (tasks finished over
// the whole run, the drain after the window included) rather than the
// arrival rate.
func Served(wl *workload.Workload, r *sim.Result) float64 {
	if Overloaded(wl, r) && r.Makespan > 0 {
		return float64(r.Tasks) / (float64(r.Makespan) / 1e9)
	}
	return r.Throughput
}

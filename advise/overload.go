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
// second: the run's throughput, which for an open workload is the rate
// served as the engine counts it (sim.Result.Served: what the deployment
// sustained, the drain after the window included, when it was overloaded;
// the rate offered when it kept up), for a batch tasks per second of the
// makespan.
func Served(wl *workload.Workload, r *sim.Result) float64 {
	return r.Throughput
}

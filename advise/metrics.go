package advise

import (
	"math"

	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// Metrics is one run's figures under the keys of the run contract (SPEC
// §4, report.Metrics), plus "tasks" (finished), "served_per_s" (see Served;
// the run contract's own for open workloads), "overloaded" (see Overloaded)
// and "backlog", which are present for batches too. Times are seconds.
type Metrics struct {
	report.Metrics
	Backlog    int     `json:"backlog"`
	Tasks      int     `json:"tasks"`
	ServedPerS float64 `json:"served_per_s"`
	Overloaded bool    `json:"overloaded"`
}

// MetricsOf converts the result r of a run of wl.
func MetricsOf(wl *workload.Workload, r *sim.Result) Metrics {
	return Metrics{
		Metrics:    report.MetricsOf(wl, r),
		Backlog:    r.Backlog,
		Tasks:      r.Tasks,
		ServedPerS: finite(Served(wl, r)),
		Overloaded: Overloaded(wl, r),
	}
}

func secs(ns int64) float64 { return float64(ns) / 1e9 }

// finite maps NaN and ±Inf, which JSON cannot carry, to 0.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

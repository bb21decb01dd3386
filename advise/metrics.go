package advise

import (
	"math"

	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// Metrics is one run's figures under the keys of the run contract (SPEC
// §4, the "results" of `conclab run --format json`, without the task
// list), plus "tasks" (finished), "served_per_s" (see Served) and "overloaded"
// (see Overloaded), which are present for batches too. Times are seconds.
type Metrics struct {
	MakespanS        float64 `json:"makespan_s"`
	ThroughputPerS   float64 `json:"throughput_per_s"`
	LatencyS         Stats   `json:"latency_s"`
	QueueDelayS      Stats   `json:"queue_delay_s"`
	CPUBusyS         float64 `json:"cpu_busy_s"`
	CPUUtilization   float64 `json:"cpu_utilization"`
	GILWaitS         float64 `json:"gil_wait_s"`
	GILSwitches      int64   `json:"gil_switches"`
	LoopStallMaxS    float64 `json:"loop_stall_max_s"`
	SlowCallbacks    int64   `json:"slow_callbacks"`
	PeakThreads      int     `json:"peak_threads"`
	PeakTasks        int     `json:"peak_tasks"`
	PeakProcesses    int     `json:"peak_processes"`
	PeakMemoryBytes  int64   `json:"peak_memory_bytes"`
	PeakVirtualBytes int64   `json:"peak_virtual_bytes"`
	MeanTasks        float64 `json:"mean_tasks"`
	Backlog          int     `json:"backlog"`
	Tasks            int     `json:"tasks"`
	ServedPerS       float64 `json:"served_per_s"`
	Overloaded       bool    `json:"overloaded"`
}

// Stats is a latency summary in seconds.
type Stats struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// MetricsOf converts the result r of a run of wl.
func MetricsOf(wl *workload.Workload, r *sim.Result) Metrics {
	return Metrics{
		MakespanS:        secs(r.Makespan),
		ThroughputPerS:   finite(r.Throughput),
		LatencyS:         statsOf(r.Latency),
		QueueDelayS:      statsOf(r.QueueDelay),
		CPUBusyS:         secs(r.CPUBusy),
		CPUUtilization:   finite(r.CPUUtilization),
		GILWaitS:         secs(r.GILWait),
		GILSwitches:      r.GILSwitches,
		LoopStallMaxS:    secs(r.LoopStallMax),
		SlowCallbacks:    r.SlowCallbacks,
		PeakThreads:      r.PeakThreads,
		PeakTasks:        r.PeakTasks,
		PeakProcesses:    r.PeakProcesses,
		PeakMemoryBytes:  r.PeakMemoryBytes,
		PeakVirtualBytes: r.PeakVirtualBytes,
		MeanTasks:        finite(r.MeanTasks),
		Backlog:          r.Backlog,
		Tasks:            r.Tasks,
		ServedPerS:       finite(Served(wl, r)),
		Overloaded:       Overloaded(wl, r),
	}
}

func secs(ns int64) float64 { return float64(ns) / 1e9 }

func statsOf(s sim.Stats) Stats {
	return Stats{Mean: secs(s.Mean), P50: secs(s.P50), P95: secs(s.P95), P99: secs(s.P99), Max: secs(s.Max)}
}

// finite maps NaN and ±Inf, which JSON cannot carry, to 0.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

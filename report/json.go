package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// Reasons given in "tasks_omitted" when a result carries no task list.
const (
	OmittedByFlag    = "--no-tasks"
	OmittedTooMany   = "more than 100000 tasks"
	OmittedNotKept   = "task records were not kept"
	omitTasksAbove   = 100_000
	defaultRuntimeID = "cpython"
)

// The JSON document of SPEC §5. Field order is the key order.
type jsonDoc struct {
	Workload string       `json:"workload"`
	Runtime  string       `json:"runtime"`
	Cores    int          `json:"cores"`
	Results  []jsonResult `json:"results"`
}

type jsonResult struct {
	Model string `json:"model"`
	Metrics
	Tasks        []jsonTask `json:"tasks,omitzero"`
	TasksOmitted string     `json:"tasks_omitted,omitempty"`
}

// Metrics is one run's figures under the keys of the run contract (SPEC §4,
// a result of `conclab run --format json` without its model and tasks).
// Times are seconds. Overloaded and Backlog are set for open workloads
// only.
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
	Overloaded       *bool   `json:"overloaded,omitempty"`
	Backlog          *int    `json:"backlog,omitempty"`
}

// Stats is a summary of durations in seconds.
type Stats struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// MetricsOf converts what a run of wl measured to the contract's units.
func MetricsOf(wl *workload.Workload, r *sim.Result) Metrics {
	m := Metrics{
		MakespanS:        seconds(r.Makespan),
		ThroughputPerS:   finite(r.Throughput),
		LatencyS:         StatsOf(r.Latency),
		QueueDelayS:      StatsOf(r.QueueDelay),
		CPUBusyS:         seconds(r.CPUBusy),
		CPUUtilization:   finite(r.CPUUtilization),
		GILWaitS:         seconds(r.GILWait),
		GILSwitches:      r.GILSwitches,
		LoopStallMaxS:    seconds(r.LoopStallMax),
		SlowCallbacks:    r.SlowCallbacks,
		PeakThreads:      r.PeakThreads,
		PeakTasks:        r.PeakTasks,
		PeakProcesses:    r.PeakProcesses,
		PeakMemoryBytes:  r.PeakMemoryBytes,
		PeakVirtualBytes: r.PeakVirtualBytes,
		MeanTasks:        finite(r.MeanTasks),
	}
	if wl != nil && wl.Arrivals != nil {
		over, backlog := r.Overloaded, r.Backlog
		m.Overloaded, m.Backlog = &over, &backlog
	}
	return m
}

type jsonTask struct {
	Name     string  `json:"name"`
	ReleaseS float64 `json:"release_s"`
	StartS   float64 `json:"start_s"`
	EndS     float64 `json:"end_s"`
}

// JSON writes the `--format json` document of SPEC §5: one object with the
// workload's name, the runtime, the cores and one result per run, followed
// by a newline. Times are seconds. Each result lists its tasks when
// withTasks is set and the run kept task records; otherwise it says why in
// "tasks_omitted" (OmittedByFlag, OmittedTooMany or OmittedNotKept). An
// empty runtime falls back to the workload's, then to "cpython"; cores ≤ 0
// falls back to the workload's, then to the first result's.
func JSON(w io.Writer, wl *workload.Workload, runtime string, cores int, runs []Run, withTasks bool) error {
	doc := jsonDoc{Runtime: runtime, Cores: cores, Results: make([]jsonResult, 0, len(runs))}
	if wl != nil {
		doc.Workload = wl.Name
		if doc.Runtime == "" {
			doc.Runtime = wl.Runtime
		}
		if doc.Cores <= 0 {
			doc.Cores = wl.Cores
		}
	}
	if doc.Runtime == "" {
		doc.Runtime = defaultRuntimeID
	}
	for i, run := range runs {
		r := run.Result
		if r == nil {
			return fmt.Errorf("report: run %d has no result", i+1)
		}
		if doc.Cores <= 0 {
			doc.Cores = r.Cores
		}
		jr := jsonResult{Model: r.Model, Metrics: MetricsOf(wl, r)}
		switch {
		case !withTasks:
			jr.TasksOmitted = OmittedByFlag
		case len(r.Records) == 0 && r.Tasks > omitTasksAbove:
			jr.TasksOmitted = OmittedTooMany
		case len(r.Records) == 0 && r.Tasks > 0:
			jr.TasksOmitted = OmittedNotKept
		default:
			jr.Tasks = make([]jsonTask, len(r.Records))
			for k, t := range r.Records {
				jr.Tasks[k] = jsonTask{Name: t.Name, ReleaseS: seconds(t.Release), StartS: seconds(t.Start), EndS: seconds(t.End)}
			}
		}
		doc.Results = append(doc.Results, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("report: writing JSON: %w", err)
	}
	return nil
}

func seconds(ns int64) float64 { return float64(ns) / 1e9 }

// StatsOf converts a summary of durations to seconds.
func StatsOf(s sim.Stats) Stats {
	return Stats{Mean: seconds(s.Mean), P50: seconds(s.P50), P95: seconds(s.P95), P99: seconds(s.P99), Max: seconds(s.Max)}
}

// finite maps NaN and ±Inf, which JSON cannot carry, to 0.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

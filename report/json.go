package report

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/jsonout"
	"github.com/conclab/conclab/internal/version"
)

// Reasons given in "tasks_omitted" when a result carries no task list.
const (
	OmittedByFlag    = "--no-tasks"
	OmittedNotKept   = "task records were not kept"
	defaultRuntimeID = "cpython"
)

// OmittedTooMany is the reason given in "tasks_omitted" for a run of more
// than MaxListedTasks tasks: "more than 100000 tasks".
var OmittedTooMany = "more than " + strconv.Itoa(MaxListedTasks) + " tasks"

// MaxListedTasks is the most tasks a result lists (SPEC §5): above it a
// run keeps no task records and its result says OmittedTooMany.
const MaxListedTasks = 100_000

// Document is the `--format json` document of SPEC §5: what was simulated
// and how (Header), then one result per model. Field order is the key
// order. The web API and verify extend it by embedding Header and Result
// in their own types, so the compiler checks the contract they share.
type Document struct {
	Header
	Results []Result `json:"results"`
}

// Header is the first keys of a Document: the workload, the runtime and
// cores of SPEC §5, then conclab's version and the rest of what decides
// the numbers (the profile and where it came from, the GIL switch
// interval, the workload's seed).
type Header struct {
	Workload string `json:"workload"`
	Runtime  string `json:"runtime"`
	Cores    int    `json:"cores"`
	// Version is conclab's (internal/version): "devel" for a build
	// without a module version.
	Version         string     `json:"version"`
	Profile         ProfileRef `json:"profile"`
	SwitchIntervalS float64    `json:"switch_interval_s"`
	Seed            uint64     `json:"seed"`
}

// ProfileRef names the runtime profile a document's runs used.
type ProfileRef struct {
	Name string `json:"name"`
	// Source is ProfileBuiltin or the path of the profile file.
	Source string `json:"source"`
}

// ProfileBuiltin is the Source of a built-in runtime profile.
const ProfileBuiltin = "builtin"

// Result is one model's run in a Document: its model, its metrics (SPEC
// §4), how it used the workload's resources, the deadlock that stopped it
// if one did, and its tasks, or why they are left out.
type Result struct {
	Model string `json:"model"`
	// Runtime is the run's runtime when a document compares several
	// (conclab run --runtime A --runtime B); the header names the first.
	Runtime string `json:"runtime,omitempty"`
	Metrics
	Resources    []ResourceUse `json:"resources,omitempty"`
	Deadlock     *Deadlock     `json:"deadlock,omitempty"`
	Tasks        []Task        `json:"tasks,omitzero"`
	TasksOmitted string        `json:"tasks_omitted,omitempty"`
}

// Task is one task of a Result: when it was released, started and ended,
// in seconds from time 0. A task that a deadlock kept from finishing has
// end_s null, start_s null if it never ran, and release_s null if it was
// never released (a later phase, after: tasks the deadlock holds).
type Task struct {
	Name     string   `json:"name"`
	ReleaseS *float64 `json:"release_s"`
	StartS   *float64 `json:"start_s"`
	EndS     *float64 `json:"end_s"`
}

// ResourceUse is how a run used one resource of the workload: its units
// (capacity, in each of its instances: one per worker process, or one for
// all), how often they were taken, how long tasks waited for them (summed),
// the longest queue of waiters of one instance, and the mean share of the
// units held over the makespan.
type ResourceUse struct {
	Name        string  `json:"name"`
	Capacity    int     `json:"capacity"`
	Instances   int     `json:"instances"`
	Acquires    int64   `json:"acquires"`
	WaitS       float64 `json:"wait_s"`
	PeakQueue   int     `json:"peak_queue"`
	Utilization float64 `json:"utilization"`
	// Barged counts waiters woken for a unit that a thread asking after
	// them took first (CPython's threading.BoundedSemaphore).
	Barged int64 `json:"barged"`
}

// Deadlock is the cycle of tasks that stopped a run (SPEC §1.1): from at_s
// on, each waits for what the next one holds.
type Deadlock struct {
	AtS   float64        `json:"at_s"`
	Cycle []DeadlockLink `json:"cycle"`
}

// DeadlockLink is one task of a deadlock's cycle: the resources (and the
// pool thread) it holds, and what it waits for.
type DeadlockLink struct {
	Task     string   `json:"task"`
	Holds    []string `json:"holds"`
	WaitsFor string   `json:"waits_for"`
}

// Metrics is one run's figures under the keys of the run contract (SPEC §4,
// a result of `conclab run --format json` without its model and tasks).
// Times are seconds. ThroughputPerS is tasks finished per second of the
// makespan for a batch, and ServedPerS for an open workload. OfferedPerS,
// ServedPerS, Overloaded and Backlog are set for open workloads only:
// OfferedPerS is the tasks that arrived per second of the arrival window
// (its for:, or the last arrival's time for count:); ServedPerS is the
// tasks finished per second of the time taken to finish them, which is the
// arrival window when the run kept up and the makespan when it was
// overloaded (sim.Result.Served). So a deployment that keeps up serves
// what is offered, and an overloaded one serves its capacity: a sync
// server of 101 ms requests serves about 9.9/s of 200/s offered.
type Metrics struct {
	MakespanS        float64  `json:"makespan_s"`
	ThroughputPerS   float64  `json:"throughput_per_s"`
	OfferedPerS      *float64 `json:"offered_per_s,omitempty"`
	ServedPerS       *float64 `json:"served_per_s,omitempty"`
	LatencyS         Stats    `json:"latency_s"`
	QueueDelayS      Stats    `json:"queue_delay_s"`
	CPUBusyS         float64  `json:"cpu_busy_s"`
	CPUUtilization   float64  `json:"cpu_utilization"`
	GILWaitS         float64  `json:"gil_wait_s"`
	GILSwitches      int64    `json:"gil_switches"`
	ResourceWaitS    *float64 `json:"resource_wait_s,omitempty"`
	LoopStallMaxS    float64  `json:"loop_stall_max_s"`
	SlowCallbacks    int64    `json:"slow_callbacks"`
	PeakThreads      int      `json:"peak_threads"`
	PeakTasks        int      `json:"peak_tasks"`
	PeakProcesses    int      `json:"peak_processes"`
	PeakMemoryBytes  int64    `json:"peak_memory_bytes"`
	PeakVirtualBytes int64    `json:"peak_virtual_bytes"`
	MeanTasks        float64  `json:"mean_tasks"`
	Overloaded       *bool    `json:"overloaded,omitempty"`
	Backlog          *int     `json:"backlog,omitempty"`
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
	if wl != nil && len(wl.Resources) > 0 {
		rw := seconds(r.ResourceWait)
		m.ResourceWaitS = &rw
	}
	if wl != nil && wl.Arrivals != nil {
		over, backlog := r.Overloaded, r.Backlog
		offered, served := finite(r.Offered), finite(r.Served)
		m.Overloaded, m.Backlog = &over, &backlog
		m.OfferedPerS, m.ServedPerS = &offered, &served
	}
	return m
}

// NewDocument builds the document of runs of wl under h. An empty
// h.Version is conclab's own; an empty runtime falls back to the
// workload's, then to "cpython", the profile's name to the runtime and its
// source to ProfileBuiltin; cores ≤ 0 falls back to the workload's, then
// to the first result's. Each result lists its tasks as ResultOf says.
func NewDocument(h Header, wl *workload.Workload, runs []Run, withTasks bool) (*Document, error) {
	if h.Version == "" {
		h.Version = version.String()
	}
	if wl != nil {
		h.Workload = cmp.Or(h.Workload, wl.Name)
		h.Runtime = cmp.Or(h.Runtime, wl.Runtime)
		if h.Cores <= 0 {
			h.Cores = wl.Cores
		}
		if h.Seed == 0 {
			h.Seed = wl.Seed
		}
	}
	h.Runtime = cmp.Or(h.Runtime, defaultRuntimeID)
	h.Profile.Name = cmp.Or(h.Profile.Name, h.Runtime)
	h.Profile.Source = cmp.Or(h.Profile.Source, ProfileBuiltin)
	doc := &Document{Header: h, Results: make([]Result, 0, len(runs))}
	for i, run := range runs {
		if run.Result == nil {
			return nil, fmt.Errorf("report: run %d has no result", i+1)
		}
		if doc.Cores <= 0 {
			doc.Cores = run.Result.Cores
		}
		doc.Results = append(doc.Results, ResultOf(wl, run.Result, withTasks))
	}
	return doc, nil
}

// ResultOf is the result of r, a run of wl. It lists the tasks when
// withTasks is set and the run kept task records; otherwise it says why in
// TasksOmitted (OmittedByFlag, OmittedTooMany or OmittedNotKept).
func ResultOf(wl *workload.Workload, r *sim.Result, withTasks bool) Result {
	res := Result{Model: r.Model, Metrics: MetricsOf(wl, r)}
	for _, u := range r.Resources {
		res.Resources = append(res.Resources, ResourceUse{Name: u.Name, Capacity: u.Capacity, Instances: u.Instances,
			Acquires: u.Acquires, WaitS: seconds(u.Wait), PeakQueue: u.PeakQueue, Utilization: finite(u.Utilization), Barged: u.Barged})
	}
	if d := r.Deadlock; d != nil {
		res.Deadlock = &Deadlock{AtS: seconds(d.At), Cycle: make([]DeadlockLink, len(d.Cycle))}
		for i, l := range d.Cycle {
			res.Deadlock.Cycle[i] = DeadlockLink{Task: l.Task, Holds: append([]string{}, l.Holds...), WaitsFor: l.WaitsFor}
		}
	}
	switch {
	case !withTasks:
		res.TasksOmitted = OmittedByFlag
	case len(r.Records) == 0 && r.Tasks > MaxListedTasks:
		res.TasksOmitted = OmittedTooMany
	case len(r.Records) == 0 && r.Tasks > 0:
		res.TasksOmitted = OmittedNotKept
	default:
		res.Tasks = make([]Task, len(r.Records))
		for k, t := range r.Records {
			res.Tasks[k] = Task{Name: t.Name}
			if t.Release >= 0 {
				res.Tasks[k].ReleaseS = ptr(seconds(t.Release))
			}
			if t.Start >= 0 {
				res.Tasks[k].StartS = ptr(seconds(t.Start))
			}
			if t.End >= 0 {
				res.Tasks[k].EndS = ptr(seconds(t.End))
			}
		}
	}
	return res
}

// JSON writes the document of runs (NewDocument) as WriteJSON does.
func JSON(w io.Writer, h Header, wl *workload.Workload, runs []Run, withTasks bool) error {
	doc, err := NewDocument(h, wl, runs, withTasks)
	if err != nil {
		return err
	}
	return WriteJSON(w, doc)
}

// WriteJSON writes doc, a Document or a type that embeds its Header and
// Results, as `--format json` writes it: indented, without HTML escapes,
// followed by a newline, in one write.
func WriteJSON(w io.Writer, doc any) error {
	if err := jsonout.WriteIndented(w, doc); err != nil {
		return fmt.Errorf("report: writing JSON: %w", err)
	}
	return nil
}

func seconds(ns int64) float64 { return float64(ns) / 1e9 }

func ptr[T any](v T) *T { return &v }

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

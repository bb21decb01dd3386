package truth

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

// Worker start-ups: how long a worker process takes to start depends on
// the machine more than on the interpreter. Starting one is mostly page
// faults (the parent's page tables copied and its pages shared copy on
// write; a spawned interpreter's heap made), and what a page fault costs
// varies between hosts and, on a virtual machine, from hour to hour: on
// one 2-core EPYC host CPython 3.11 forked a first pool's worker in 8.0 ms
// on 2026-12-04 and in 17–21 ms on 2026-12-05, spawned one in 57 and in
// 105 ms, the same interpreter and the same measure.py, the second day's
// fresh pages costing 5.4 µs each. A prediction made with another day's
// figures then misses by the difference, which says nothing about the
// model; so Check measures the start-ups its models make on this machine,
// as it measures the work rate, and predicts with those (the tests have
// always done so: runtime.WorkerCosts).

// StartCosts is what Check measured of this machine's worker start-ups
// and put on the profile before predicting.
type StartCosts struct {
	// Fields are the profile constants measured (runtime.Profile field
	// names), in the order of runtime.WorkerCosts.
	Fields []string
	// Measured and Profile are each field's value measured here and the
	// profile's own, in nanoseconds.
	Measured, Profile map[string]int64
	// Took is how long measuring them took.
	Took time.Duration
}

// startFields returns the profile constants that t's models start worker
// processes with, which a measurement here may replace: each
// processes(N)'s start method's, and fork's when a task offloads a step
// to an event loop's process pool (forked). None for a profile file (its
// figures are this machine's, or the user's choice), for a runtime whose
// workers are fresh programs (Java, Go), or for data moves (PickleSend and
// the like take half a minute to measure).
func startFields(t Target, tasks []Task) []string {
	if t.ProfileSource != report.ProfileBuiltin || t.Profile.ExecWorkers {
		return nil
	}
	if lang, _ := LangOf(t.Profile); lang != Python {
		return nil
	}
	var fields []string
	add := func(names ...string) {
		for _, n := range names {
			if !slices.Contains(fields, n) {
				fields = append(fields, n)
			}
		}
	}
	offloads := anyStep(tasks, func(s Step) bool { return s.Offload == workload.OffloadProcess })
	stepData := anyStep(tasks, func(s Step) bool { return s.Input > 0 || s.Output > 0 })
	taskData := slices.ContainsFunc(tasks, func(t Task) bool { return t.Input > 0 || t.Output > 0 })
	for _, d := range t.Models {
		loop := d.Kind == model.Asyncio || d.Inner != nil && d.Inner.Kind == model.Asyncio
		switch {
		case offloads && loop, d.Kind == model.Processes && d.Start == model.Fork:
			add("ProcessFork", "ForkParent", "ForkChild")
		}
		if stepData && loop || taskData && d.Kind == model.Processes {
			// Data moved to and from worker processes: page faults too
			// (measure.py's 16 MB payloads, about 15 s).
			add("PickleSend", "PickleRecv", "PickleFresh")
		}
		switch {
		case d.Kind == model.Processes && d.Start == model.Spawn:
			add("ProcessSpawn", "ResourceTracker")
		case d.Kind == model.Processes && d.Start == model.Forkserver:
			add("ForkserverBoot", "ProcessForkserver", "ResourceTracker")
		}
	}
	slices.SortFunc(fields, func(a, b string) int {
		return slices.Index(runtime.WorkerCosts, a) - slices.Index(runtime.WorkerCosts, b)
	})
	return fields
}

// startsProgress says, for progress, what withStarts measures of fields:
// "worker start-ups (process_fork, resource_tracker)", or "".
func startsProgress(fields []string) string {
	if len(fields) == 0 {
		return ""
	}
	var keys []string
	for _, c := range runtime.Constants() {
		if slices.Contains(fields, c.Field) {
			keys = append(keys, c.Key)
		}
	}
	return startsWhat(fields) + " (" + strings.Join(keys, ", ") + ")"
}

// startsWhat names what fields are: "worker start-ups", "worker start-ups
// and data moves", or "data moves to worker processes".
func startsWhat(fields []string) string {
	data := slices.ContainsFunc(fields, func(f string) bool { return strings.HasPrefix(f, "Pickle") })
	starts := slices.ContainsFunc(fields, func(f string) bool { return !strings.HasPrefix(f, "Pickle") })
	switch {
	case data && starts:
		return "worker start-ups and data moves"
	case data:
		return "data moves to worker processes"
	}
	return "worker start-ups"
}

// What says what was measured: "worker start-ups", "worker start-ups and
// data moves", or "data moves to worker processes".
func (sc *StartCosts) What() string { return startsWhat(sc.Fields) }

// Figures lists each constant measured by its key, with the figure measured
// and the profile's: "process_fork 22.1ms (the profile's 8.0ms), …".
func (sc *StartCosts) Figures() string {
	var parts []string
	for _, c := range runtime.Constants() {
		if m, ok := sc.Measured[c.Field]; ok {
			parts = append(parts, fmt.Sprintf("%s %s (the profile's %s)", c.Key, report.Seconds(m), report.Seconds(sc.Profile[c.Field])))
		}
	}
	return strings.Join(parts, ", ")
}

// measureStarts measures fields with the interpreter py (measure.py
// --only), once per interpreter and field in this process: a suite's
// scenarios share them.
func measureStarts(ctx context.Context, py string, fields []string) (*runtime.Measurement, error) {
	startsMu.Lock()
	defer startsMu.Unlock()
	var missing []string
	for _, f := range fields {
		if _, ok := startsSeen[py+"\x00"+f]; !ok {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		m, err := runtime.Calibrate(ctx, runtime.CalibrateOptions{Python: py, Runs: 3, Timeout: 3 * time.Minute, Only: missing})
		if err != nil {
			return nil, fmt.Errorf("measuring this machine's worker start-ups: %w", err)
		}
		for _, f := range missing {
			s, ok := m.Results[f]
			if !ok {
				return nil, fmt.Errorf("measuring this machine's worker start-ups: measure.py gave no %s", f)
			}
			startsSeen[py+"\x00"+f] = s
		}
	}
	out := &runtime.Measurement{Results: map[string]runtime.Stat{}}
	for _, f := range fields {
		out.Results[f] = startsSeen[py+"\x00"+f]
	}
	return out, nil
}

var (
	startsMu   sync.Mutex
	startsSeen = map[string]runtime.Stat{}
)

// withStarts measures fields, the worker start-ups t's models make
// (startFields), with py and returns t predicting with them, and what was
// measured; t itself, and nil, when there are none.
func withStarts(ctx context.Context, t Target, fields []string, py string) (Target, *StartCosts, error) {
	if len(fields) == 0 {
		return t, nil, nil
	}
	began := time.Now()
	m, err := measureStarts(ctx, py, fields)
	if err != nil {
		return t, nil, err
	}
	sc := &StartCosts{Fields: fields, Measured: map[string]int64{}, Profile: map[string]int64{}, Took: time.Since(began)}
	before := t.Profile
	t.Profile = m.Onto(t.Profile)
	for _, c := range runtime.Constants() {
		if slices.Contains(fields, c.Field) {
			sc.Profile[c.Field], sc.Measured[c.Field] = c.Of(before), c.Of(t.Profile)
		}
	}
	return t, sc, nil
}

// anyStep says whether a step of tasks, at any depth (inside a use, a
// choice or a gather's branch), is one that is.
func anyStep(tasks []Task, is func(Step) bool) bool {
	for _, t := range tasks {
		if stepsAny(t.Steps, is) {
			return true
		}
	}
	return false
}

func stepsAny(steps []Step, is func(Step) bool) bool {
	for _, s := range steps {
		if is(s) || stepsAny(s.Steps, is) {
			return true
		}
		for _, b := range s.Branches {
			if stepsAny(b, is) {
				return true
			}
		}
	}
	return false
}

// merge returns the costs of a and b together (either may be nil).
func (a *StartCosts) merge(b *StartCosts) *StartCosts {
	if a == nil || b == nil {
		return cmp.Or(a, b)
	}
	out := &StartCosts{Measured: maps.Clone(a.Measured), Profile: maps.Clone(a.Profile), Took: a.Took + b.Took}
	maps.Copy(out.Measured, b.Measured)
	maps.Copy(out.Profile, b.Profile)
	for _, f := range runtime.WorkerCosts {
		if _, ok := out.Measured[f]; ok {
			out.Fields = append(out.Fields, f)
		}
	}
	return out
}

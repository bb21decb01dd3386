package web

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"
)

// Limits of what one timeline sends to the page.
const (
	maxLaneRows  = 24   // more lanes: the first keptLanes, then all of them as one row
	keptLanes    = 20   // lanes drawn one per row when there are too many
	maxTaskRows  = 24   // an event loop's tasks drawn one per row, else as one row
	maxRowSpans  = 3000 // a row with more spans is resampled…
	resampleCols = 1600 // …to this many columns, each in its dominant state
	maxTaskNames = 5000 // task names sent for the cursor's readout
)

// numStates is how many states the page knows.
const numStates = int(sim.Overhead) + 1

// stateNames are the states in the order of their numbers in spans.
func stateNames() []string {
	out := make([]string, numStates)
	for s := range sim.State(numStates) {
		out[s] = s.String()
	}
	return out
}

// timeline is what the page draws for one result: rows of spans over the
// makespan, all in nanoseconds.
type timeline struct {
	MakespanNS int64 `json:"makespan_ns"`
	Rows       []row `json:"rows"`
	// TaskNames are the names of the tasks that spans point at, when
	// there are not too many.
	TaskNames []string `json:"task_names,omitempty"`
	// Omitted says why there is no timeline.
	Omitted string `json:"omitted,omitempty"`
	// Note says what was simplified to keep the page light.
	Note string `json:"note,omitempty"`
}

// row is one line of a timeline: a thread, a process, an event loop's
// task, or several of them together (Count > 1).
type row struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`    // main, worker, loop, executor, process, task, lanes, tasks
	Process int    `json:"process"` // 0-based; -1 for task rows
	Count   int    `json:"count,omitempty"`
	// Spans are flat quadruples: start, end, state (an index into the
	// answer's "states"), task (an index into TaskNames, or -1).
	Spans []int64 `json:"spans"`
	// Resampled says the spans were reduced to the dominant state of
	// short slices of time.
	Resampled bool `json:"resampled,omitempty"`
}

var kindNames = map[sim.LaneKind]string{
	sim.MainThread:     "main",
	sim.WorkerThread:   "worker",
	sim.LoopThread:     "loop",
	sim.ExecutorThread: "executor",
	sim.ProcessMain:    "process",
}

// timelineOf builds the timeline of one run: its lanes in process order
// (folded when there are many), then, for event-loop runs, its tasks.
func timelineOf(run report.Run, omitted string) timeline {
	r := run.Result
	t := timeline{MakespanNS: r.Makespan, Rows: []row{}}
	if run.Spans == nil {
		if omitted == "" {
			omitted = "no timeline: spans were not recorded"
		}
		t.Omitted = omitted
		return t
	}
	rec := run.Spans
	if len(r.Records) <= maxTaskNames {
		t.TaskNames = make([]string, len(r.Records))
		for i, tr := range r.Records {
			t.TaskNames[i] = tr.Name
		}
	}
	taskRef := func(id int32) int64 {
		if int(id) < len(t.TaskNames) {
			return int64(id)
		}
		return -1
	}

	lanes := slices.Clone(r.Lanes)
	slices.SortStableFunc(lanes, func(a, b sim.Lane) int { return cmp.Compare(a.Process, b.Process) })
	byID := make(map[int32][]sim.Span, len(lanes))
	loop := false
	for _, l := range lanes {
		loop = loop || l.Kind == sim.LoopThread
	}
	for _, s := range rec.Lanes {
		byID[s.Lane] = append(byID[s.Lane], s)
	}
	shown := lanes
	if len(lanes) > maxLaneRows {
		shown = lanes[:keptLanes]
	}
	for _, l := range shown {
		t.Rows = append(t.Rows, spanRow(row{Name: l.Name, Kind: kindNames[l.Kind], Process: l.Process},
			byID[int32(l.ID)], r.Makespan, taskRef))
	}
	if len(shown) < len(lanes) {
		g := report.NewGrid(r.Makespan, resampleCols)
		for _, s := range rec.Lanes {
			g.Add(s.State, s.Start, s.End)
		}
		t.Rows = append(t.Rows, row{Name: thousands(int64(len(lanes))) + " lanes", Kind: "lanes", Process: -1,
			Count: len(lanes), Spans: spansOf(g, len(lanes)), Resampled: true})
		t.Note = fmt.Sprintf("%d lanes: the first %d one per row, then all of them together (what most are doing)", len(lanes), keptLanes)
	}

	if loop && len(rec.Tasks) > 0 {
		byTask := map[int32][]sim.Span{}
		var ids []int32
		for _, s := range rec.Tasks {
			if s.Task < 0 {
				continue
			}
			if _, ok := byTask[s.Task]; !ok {
				ids = append(ids, s.Task)
			}
			byTask[s.Task] = append(byTask[s.Task], s)
		}
		slices.Sort(ids)
		if len(ids) <= maxTaskRows {
			for _, id := range ids {
				name := "task " + strconv.Itoa(int(id)+1)
				if int(id) < len(r.Records) && r.Records[id].Name != "" {
					name = r.Records[id].Name
				}
				t.Rows = append(t.Rows, spanRow(row{Name: name, Kind: "task", Process: -1}, byTask[id], r.Makespan, taskRef))
			}
		} else {
			g := report.NewGrid(r.Makespan, resampleCols)
			for _, s := range rec.Tasks {
				g.Add(s.State, s.Start, s.End)
			}
			t.Rows = append(t.Rows, row{Name: thousands(int64(len(ids))) + " tasks", Kind: "tasks", Process: -1,
				Count: len(ids), Spans: spansOf(g, len(ids)), Resampled: true})
		}
	}
	return t
}

// spanRow fills r with spans (of one lane or task, in time order): merged
// where one continues the next in the same state, resampled when there are
// too many to draw.
func spanRow(r row, spans []sim.Span, makespan int64, taskRef func(int32) int64) row {
	slices.SortStableFunc(spans, func(a, b sim.Span) int { return cmp.Compare(a.Start, b.Start) })
	n := 0
	for _, s := range spans {
		if s.End > s.Start && s.State != sim.Idle {
			n++
		}
	}
	if n > maxRowSpans {
		g := report.NewGrid(makespan, resampleCols)
		for _, s := range spans {
			g.Add(s.State, s.Start, s.End)
		}
		r.Spans, r.Resampled = spansOf(g, 1), true
		return r
	}
	r.Spans = make([]int64, 0, 4*n)
	for _, s := range spans {
		if s.End <= s.Start || s.State == sim.Idle || int(s.State) >= numStates {
			continue
		}
		task := int64(-1)
		if s.Task >= 0 {
			task = taskRef(s.Task)
		}
		if k := len(r.Spans); k > 0 && r.Spans[k-3] == s.Start && r.Spans[k-2] == int64(s.State) && r.Spans[k-1] == task {
			r.Spans[k-3] = s.End
			continue
		}
		r.Spans = append(r.Spans, s.Start, s.End, int64(s.State), task)
	}
	return r
}

// spansOf reduces a resampled row to merged quadruples [start, end, state,
// task], one state per column as the terminal and SVG timelines choose it;
// rows is how many lanes or tasks were added into it.
func spansOf(g *report.Grid, rows int) []int64 {
	out := []int64{}
	for c, best := range g.States(rows) {
		if best == sim.Idle || int(best) >= numStates {
			continue
		}
		start, end := g.At(c), g.At(c+1)
		if k := len(out); k > 0 && out[k-3] == start && out[k-2] == int64(best) {
			out[k-3] = end
			continue
		}
		out = append(out, start, end, int64(best), -1)
	}
	return out
}

package web

import (
	"cmp"
	"fmt"
	"math/bits"
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
		g := newGrid(r.Makespan, resampleCols)
		for _, s := range rec.Lanes {
			g.add(s.State, s.Start, s.End)
		}
		t.Rows = append(t.Rows, row{Name: thousands(int64(len(lanes))) + " lanes", Kind: "lanes", Process: -1,
			Count: len(lanes), Spans: g.spans(len(lanes)), Resampled: true})
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
			g := newGrid(r.Makespan, resampleCols)
			for _, s := range rec.Tasks {
				g.add(s.State, s.Start, s.End)
			}
			t.Rows = append(t.Rows, row{Name: thousands(int64(len(ids))) + " tasks", Kind: "tasks", Process: -1,
				Count: len(ids), Spans: g.spans(len(ids)), Resampled: true})
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
		g := newGrid(makespan, resampleCols)
		for _, s := range spans {
			g.add(s.State, s.Start, s.End)
		}
		r.Spans, r.Resampled = g.spans(1), true
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

// grid resamples spans: for each of cols equal slices of [0, m), how long
// each state covers it.
type grid struct {
	m     int64
	cols  int
	cover [][numStates]int64
	full  [][numStates]int64 // difference array of whole columns covered
}

func newGrid(m int64, cols int) *grid {
	cols = max(1, cols)
	return &grid{m: max(m, 1), cols: cols, cover: make([][numStates]int64, cols), full: make([][numStates]int64, cols+1)}
}

// at is the first instant of column c.
func (g *grid) at(c int) int64 {
	hi, lo := bits.Mul64(uint64(c), uint64(g.m))
	q, _ := bits.Div64(hi, lo, uint64(g.cols))
	return int64(q)
}

// col is the column holding instant t, 0 ≤ t < m.
func (g *grid) col(t int64) int {
	hi, lo := bits.Mul64(uint64(t), uint64(g.cols))
	q, _ := bits.Div64(hi, lo, uint64(g.m))
	return int(q)
}

func (g *grid) add(s sim.State, start, end int64) {
	if int(s) >= numStates {
		return
	}
	start, end = max(start, 0), min(end, g.m)
	if end <= start {
		return
	}
	c0, c1 := g.col(start), g.col(end-1)
	if c0 == c1 {
		g.cover[c0][s] += end - start
		return
	}
	g.cover[c0][s] += g.at(c0+1) - start
	g.cover[c1][s] += end - g.at(c1)
	g.full[c0+1][s]++
	g.full[c1][s]--
}

// rank orders states by how much they tell: a state covering at least a
// third of a column is drawn over a less telling one that covers more.
var rank = [numStates]int{
	sim.Idle: 0, sim.Waiting: 1, sim.Overhead: 2, sim.Ready: 3,
	sim.WorkingC: 4, sim.Working: 5, sim.Blocked: 6, sim.GILWait: 7,
}

// spans reduces the grid to merged quadruples, one state per column; rows
// is how many lanes or tasks were added into it.
func (g *grid) spans(rows int) []int64 {
	var out []int64
	var run [numStates]int64
	for c := range g.cols {
		dur := g.at(c+1) - g.at(c)
		cov := g.cover[c]
		var used int64
		for s := range numStates {
			run[s] += g.full[c][s]
			cov[s] += run[s] * dur
			if sim.State(s) != sim.Idle {
				used += cov[s]
			}
		}
		capacity := dur * int64(rows)
		cov[sim.Idle] = max(cov[sim.Idle], capacity-used)
		best := sim.Idle
		for s := range sim.State(numStates) {
			if cov[s] > cov[best] {
				best = s
			}
		}
		for s := range sim.State(numStates) {
			if rank[s] > rank[best] && 3*cov[s] >= capacity && cov[s] > 0 {
				best = s
			}
		}
		if best == sim.Idle {
			// A mostly idle column still shows the little that happened.
			for s := range sim.State(numStates) {
				if s != sim.Idle && cov[s] > 0 && (best == sim.Idle || cov[s] > cov[best]) {
					best = s
				}
			}
		}
		if best == sim.Idle {
			continue
		}
		start, end := g.at(c), g.at(c+1)
		if k := len(out); k > 0 && out[k-3] == start && out[k-2] == int64(best) {
			out[k-3] = end
			continue
		}
		out = append(out, start, end, int64(best), -1)
	}
	if out == nil {
		out = []int64{}
	}
	return out
}

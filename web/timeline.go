package web

import (
	"math"
	"strings"

	"github.com/conclab/conclab/internal/textsafe"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"
)

// Limits of what one timeline sends to the page. Which rows there are is
// report.TimelineRows' rule, as in the terminal and the SVG.
const (
	maxRowSpans  = 3000 // a row with more spans is resampled…
	resampleCols = 1600 // …to this many columns, each in its dominant state
	maxTaskNames = 5000 // task names sent for the cursor's readout
)

// numStates is how many states the page knows.
const numStates = sim.NumStates

// stateNames are the states in the order of their numbers in spans.
func stateNames() []string {
	out := make([]string, numStates)
	for s := range sim.State(numStates) {
		out[s] = s.String()
	}
	return out
}

// stateStyle is a state as the pictures draw it (report.StateStyles), for
// the page to draw with the same colours and words.
type stateStyle struct {
	Name     string `json:"name"`
	Fill     string `json:"fill"`
	Stroke   string `json:"stroke,omitempty"`
	Text     string `json:"text"`
	Words    string `json:"words"`
	WordsGIL string `json:"words_gil"`
}

func stateStyles() []stateStyle {
	var out []stateStyle
	for _, st := range report.StateStyles() {
		out = append(out, stateStyle{Name: st.Name, Fill: st.Fill, Stroke: st.Stroke, Text: st.Text, Words: st.Words, WordsGIL: st.WordsGIL})
	}
	return out
}

// causeText says what ended a span, for each sim.CauseKind: what the page
// shows when a span is hovered. {lane} stands for the other party's lane,
// {task} for its task. A span that ended by its own progress (a step
// done, a wait over) has no cause.
var causeText = map[sim.CauseKind]string{
	sim.NoCause:        "",
	sim.GILReleased:    "{lane} released the GIL",
	sim.GILForced:      "the switch interval was up: {lane} had to drop the GIL",
	sim.Preempted:      "the switch interval was up: {lane} took the GIL",
	sim.Woken:          "{lane} woke it",
	sim.WorkerFreed:    "{lane} finished {task} and took it",
	sim.Submitted:      "{lane} submitted it to an idle thread",
	sim.ThreadStarted:  "{lane} started a thread for it",
	sim.ProcessStarted: "{lane}, a worker process that had just started, took it",
	sim.PlaceFreed:     "{task} finished on {lane}, freeing a place of the semaphore",
	sim.LoopPolled:     "{lane} finished the callback of {task} and polled its queue",
	sim.Accepted:       "{lane} took it at one wake-up with {task}, behind it",
	sim.LoopBusy:       "the loop {lane} ran other tasks' callbacks, the last of them {task}'s",
	sim.LoopBlocked:    "the loop {lane} was stuck in blocking calls, the last of them {task}'s",
	sim.Offloaded:      "{lane} ran the offloaded step",
	sim.ResourceFreed:  "{task} on {lane} gave back a unit of {resource} and handed it over",
	sim.BranchesDone:   "{task}'s branch on {lane} was the last of the gather to finish",
	sim.SpinEnded:      "its lock's spin was over: 40 yields of the core to threads computing there",
}

// causeWords are causeText's sentences by the number of their kind; a
// kind without one is called by its name.
func causeWords() []string {
	n := sim.CauseKind(0)
	for k := range causeText {
		n = max(n, k+1)
	}
	out := make([]string, n)
	for k := range n {
		if text, ok := causeText[k]; ok {
			out[k] = text
		} else {
			out[k] = k.String()
		}
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
	// LaneNames are the names of the lanes that causes point at, when
	// there are not too many.
	LaneNames []string `json:"lane_names,omitempty"`
	// Resources are the names of the workload's resources, by the index
	// a row's ResourceOf gives.
	Resources []string `json:"resources,omitempty"`
	// Omitted says why there is no timeline.
	Omitted string `json:"omitted,omitempty"`
	// Note says what was simplified to keep the page light.
	Note string `json:"note,omitempty"`
}

// row is one line of a timeline: a thread, a process, an event loop's
// task, or several of them together (Count > 1): alike lanes folded into
// one, or all lanes or all tasks (kinds "lanes" and "tasks").
type row struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`            // main, worker, loop, executor, process, task, lanes, tasks
	Process int    `json:"process"`         // the engine's index, 0 for the program's own; -1 for the rows of tasks and of all lanes
	Group   string `json:"group,omitempty"` // the process's name, "main process", "process 1"
	Title   string `json:"title,omitempty"` // a longer name, for a tooltip, when there is one
	Count   int    `json:"count,omitempty"`
	// Spans are flat quadruples: start, end, state (an index into the
	// answer's "states"), task (an index into TaskNames, or -1).
	Spans []int64 `json:"spans"`
	// Causes say why each span ended, three numbers a span: the kind (an
	// index into the answer's "causes"), the lane (an index into
	// LaneNames, or -1) and the task (an index into TaskNames, or -1) of
	// the other party. A resampled row has none.
	Causes []int64 `json:"causes,omitempty"`
	// ResourceOf names the resource a span waited for: pairs of the
	// span's number in Spans and an index into the timeline's Resources,
	// for each span that ended with a unit handed over.
	ResourceOf []int64 `json:"resource_of,omitempty"`
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
	sim.HelperProcess:  "helper",
}

// timelineOf builds the timeline of one run: the rows of
// report.TimelineRows (lanes in process order, alike ones folded and the
// rest drawn together when there are many, then an event loop's tasks),
// without their headings, which the page draws its own way. A run without
// spans has none, and omitted says why ("20,001 tasks, more than …").
// A wait for a resource that a deadlock never ended is named by the
// deadlock's cycle, which says what each of its tasks waits for.
func timelineOf(run report.Run, omitted string) timeline {
	r := run.Result
	t := timeline{MakespanNS: r.Makespan, Rows: []row{}}
	if run.Spans == nil {
		if omitted == "" {
			omitted = "spans were not recorded"
		}
		t.Omitted = "no timeline: " + omitted
		return t
	}
	rows := report.NewTimelineRows(run, nil, r.Makespan, resampleCols)
	stuck := stuckWaits(r, rows)
	for _, rs := range r.Resources {
		t.Resources = append(t.Resources, textsafe.Clean(rs.Name))
	}
	if len(r.Records) <= maxTaskNames {
		t.TaskNames = make([]string, len(r.Records))
		for i := range r.Records {
			t.TaskNames[i] = rows.TaskName(int32(i))
		}
	}
	if len(r.Lanes) <= maxTaskNames {
		t.LaneNames = make([]string, len(r.Lanes))
		for i, l := range r.Lanes {
			t.LaneNames[i] = textsafe.Clean(l.Name)
		}
	}
	ref := func(names []string) func(int32) int64 {
		return func(id int32) int64 {
			if id >= 0 && int(id) < len(names) {
				return int64(id)
			}
			return -1
		}
	}
	taskRef, laneRef := ref(t.TaskNames), ref(t.LaneNames)
	var notes []string
	for _, tr := range rows.Rows {
		out := row{Name: tr.Label(math.MaxInt), Process: -1}
		if title := tr.Title(); title != out.Name {
			out.Title = title
		}
		if tr.Count > 1 {
			out.Count = tr.Count
		}
		switch tr.Kind {
		case report.HeadingRow:
			continue
		case report.LaneRow:
			out.Kind, out.Process, out.Group = kindNames[tr.Lane.Kind], tr.Process, report.ProcessName(tr.Process)
		case report.TaskRow:
			out.Kind = "task"
		case report.AllLanesRow, report.AllTasksRow:
			out.Kind = "lanes"
			if tr.Kind == report.AllTasksRow {
				out.Kind = "tasks"
			}
			out.Spans, out.Resampled = columnSpans(rows, tr), true
			notes = append(notes, tr.Note)
			t.Rows = append(t.Rows, out)
			continue
		}
		t.Rows = append(t.Rows, spanRow(out, rows, tr, taskRef, laneRef, stuck))
	}
	t.Note = strings.Join(notes, "; ")
	return t
}

// spanRow fills out with the spans of a row of one lane or task and their
// causes, merged where one continues the next in the same state (the
// merged span ends for the cause of the later one), or with its columns
// when there are too many spans to draw. stuck names, by task, the
// resource a deadlock left it waiting for, whose wait no unit ended.
func spanRow(out row, rows *report.TimelineRows, tr report.Row, taskRef, laneRef func(int32) int64, stuck map[int32]int64) row {
	spans := rows.Spans(tr)
	n := 0
	for _, s := range spans {
		if s.End > s.Start && s.State != sim.Idle && int(s.State) < numStates {
			n++
		}
	}
	if n > maxRowSpans {
		out.Spans, out.Resampled = columnSpans(rows, tr), true
		return out
	}
	out.Spans = make([]int64, 0, 4*n)
	out.Causes = make([]int64, 0, 3*n)
	for _, s := range spans {
		if s.End <= s.Start || s.State == sim.Idle || int(s.State) >= numStates {
			continue
		}
		task := taskRef(s.Task)
		cause := [3]int64{int64(s.Cause.Kind), -1, -1}
		if s.Cause.Kind != sim.NoCause {
			cause[1], cause[2] = laneRef(s.Cause.Lane), taskRef(s.Cause.Task)
		}
		if k := len(out.Spans); k > 0 && out.Spans[k-3] == s.Start && out.Spans[k-2] == int64(s.State) && out.Spans[k-1] == task {
			out.Spans[k-3] = s.End
			copy(out.Causes[len(out.Causes)-3:], cause[:])
		} else {
			out.Spans = append(out.Spans, s.Start, s.End, int64(s.State), task)
			out.Causes = append(out.Causes, cause[:]...)
		}
		if s.Cause.Kind == sim.ResourceFreed {
			out.ResourceOf = append(out.ResourceOf, int64(len(out.Spans)/4-1), int64(s.Cause.Resource))
		} else if r, ok := stuck[s.Task]; ok && s.State == sim.ResourceWait && s.Cause.Kind == sim.NoCause {
			out.ResourceOf = append(out.ResourceOf, int64(len(out.Spans)/4-1), r)
		}
	}
	return out
}

// columnSpans is a row drawn in columns as merged quadruples [start, end,
// state, task], one state per column as the terminal and SVG timelines
// choose it.
func columnSpans(rows *report.TimelineRows, tr report.Row) []int64 {
	out := []int64{}
	for c, best := range rows.Cells(tr) {
		if best == sim.Idle || int(best) >= numStates {
			continue
		}
		start, end := rows.At(c), rows.At(c+1)
		if k := len(out); k > 0 && out[k-3] == start && out[k-2] == int64(best) {
			out[k-3] = end
			continue
		}
		out = append(out, start, end, int64(best), -1)
	}
	return out
}

// stuckWaits is, by task, the resource (its index in the run's
// resources) that the run's deadlock left the task waiting for, from the
// deadlock's cycle; nil without a deadlock.
func stuckWaits(r *sim.Result, rows *report.TimelineRows) map[int32]int64 {
	if r.Deadlock == nil {
		return nil
	}
	res := map[string]int64{}
	for i, rs := range r.Resources {
		res[rs.Name] = int64(i)
	}
	waits := map[string]int64{}
	for _, l := range r.Deadlock.Cycle {
		if i, ok := res[l.WaitsFor]; ok {
			waits[textsafe.Clean(l.Task)] = i
		}
	}
	stuck := map[int32]int64{}
	for id := range max(r.Tasks, len(r.Records)) {
		if i, ok := waits[rows.TaskName(int32(id))]; ok {
			stuck[int32(id)] = i
		}
	}
	return stuck
}

package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/textsafe"
)

// Limits of the drawn timelines: the terminal's, the SVG's (and so the
// HTML report's) and the page's. See TimelineRows for the rule.
const (
	maxTaskRows = 16 // more tasks are drawn as one row of all of them
	maxLaneRows = 24 // more rows of lanes are cut to keptLanes and one row of all lanes
	keptLanes   = 20 // rows of lanes kept when there are more than maxLaneRows
)

// rowLimits are the limits a set of rows is built with.
type rowLimits struct {
	tasks int // tasks with a row each, at most: more, and all tasks are one row
	lanes int // rows of lanes, at most; 0: every lane has a row, none folds
	kept  int // rows of lanes kept when there would be more than lanes
}

var (
	// drawnLimits are those of the terminal, the SVG and the page.
	drawnLimits = rowLimits{tasks: maxTaskRows, lanes: maxLaneRows, kept: keptLanes}
	// traceLimits are those of the trace, which a viewer scrolls and
	// zooms: every lane has a row, none folds. The trace draws every task
	// itself (Trace), and its task rows are not used.
	traceLimits = rowLimits{tasks: maxTaskRows}
)

// RowKind says what a row of a timeline stands for.
type RowKind uint8

const (
	// HeadingRow is a line of text over the rows that follow it: a
	// process ("process 1 · 4 lanes") or "tasks".
	HeadingRow RowKind = iota
	// LaneRow is a lane (a thread, an event loop, a process), or alike
	// lanes of one process, next to each other, folded into one (Count > 1).
	LaneRow
	// AllLanesRow is every lane of the run together, after the rows of
	// lanes shown: what most of them are doing.
	AllLanesRow
	// TaskRow is one task, or (Depth > 0) one branch of a task's gather
	// that ran as a task of its own (an asyncio child task), drawn after
	// its parent.
	TaskRow
	// AllTasksRow is every task together: what most of them are doing.
	AllTasksRow
)

// Row is one row of a timeline.
type Row struct {
	Kind RowKind
	// Name is what the row is called: a lane's or a task's name, a
	// heading ("process 1 · 4 lanes", "tasks"), "1,000 lanes", "40 tasks".
	// Names from the workload are cleaned (textsafe.Clean).
	Name string
	// Process is the process of a lane row or of a heading over a
	// process's lanes; -1 for the other rows.
	Process int
	// Lane is the lane of a lane row, the first one when folded.
	Lane sim.Lane
	// Task is the task of a task row; -1 for the other rows.
	Task int32
	// Depth is, for a row of a gather's branch, how deep it is in its
	// task's tree (1 for a branch the task gathered, 2 for one of its
	// branches', …), and Branch its ID (sim.Branch.ID); 0 for the other
	// rows.
	Depth  int
	Branch int32
	// Count is how many lanes or tasks the row stands for.
	Count int
	// Last is the name of the last lane folded into a lane row.
	Last string
	// Note says, for an AllLanesRow or AllTasksRow, what the row is: a
	// sentence the renderers print before it.
	Note string

	first int         // lane rows: the (first) lane, an index into TimelineRows.lanes
	cells []sim.State // the state drawn in each column, when built with columns
}

// Label is the row's label in at most n characters: its name, then for
// folded lanes " +k" for the k other lanes, cutting the name and not the
// count.
func (r Row) Label(n int) string {
	if r.Depth > 0 {
		return textsafe.Cut(branchMark(r.Depth)+r.Name, n)
	}
	if r.Kind != LaneRow || r.Count <= 1 {
		return textsafe.Cut(r.Name, n)
	}
	more := " +" + numfmt.Thousands(r.Count-1)
	if width(r.Name)+width(more) <= n || n < width(more)+2 {
		return textsafe.Cut(r.Name+more, n)
	}
	return textsafe.Cut(r.Name, n-width(more)) + more
}

// branchMark is what a branch's label starts with: "↳ " under its parent,
// indented two spaces a level below the first.
func branchMark(depth int) string {
	return strings.Repeat("  ", depth-1) + "↳ "
}

// Title is the row's description for a tooltip: folded lanes are named
// first to last, the rows of everything say so.
func (r Row) Title() string {
	switch {
	case r.Kind == LaneRow && r.Count > 1:
		return fmt.Sprintf("%s … %s (%d lanes alike)", r.Name, r.Last, r.Count)
	case r.Kind == AllLanesRow || r.Kind == AllTasksRow:
		return "all " + r.Name
	}
	return r.Name
}

// ProcessName names simulated process p as its lanes are named: the
// program's own process is "main process"; the N-th process it starts
// (the worker of proc-N, pN/worker-1, loop-N) is "process N".
func ProcessName(p int) string {
	if p == 0 {
		return "main process"
	}
	return "process " + strconv.Itoa(p)
}

// TimelineRows are the rows of one run's timeline, built once, which the
// terminal timeline, the SVG, the HTML report, the page (package web) and
// the trace all draw. One rule makes them:
//
//   - Lanes come first, in the order of their processes and, within a
//     process, of their creation. When the run has lanes in more than one
//     process and some process has several, each process's lanes are
//     headed by its name and lane count, "process 1 · 4 lanes"; processes
//     are named as their lanes are, the program's own "main process", the
//     N-th it starts (proc-N, pN/worker-1, loop-N) "process N".
//   - A run of more than 24 lanes folds alike lanes: neighbours of one
//     process that draw the same state in every column become one row,
//     labelled with the first one's name and "+k" for the k others
//     (Row.Label), "worker-3 +12". If there are still more than 24 rows
//     of lanes and headings, the first 20 are kept and one more row draws
//     all lanes together, after a note of how many were not shown.
//   - An event loop's tasks then get a row each, under the heading
//     "tasks", when every task is among the first 16 (16 task rows and 24
//     rows of lanes fit a terminal screen; the page and the picture used
//     to allow 24 tasks, the terminal 16: 16 it is, for all); more tasks
//     are drawn as one row of all of them, "40 tasks", after the note
//     "all 40 tasks together (what most of them are doing)". Under other
//     models a lane's spans already show each task, and there are no task
//     rows.
//   - Under a task's row come the rows of the child tasks its gathers
//     made, each right after its parent, labelled "↳ crawl/3" and
//     indented two spaces a level below the first (Row.Depth): all the
//     branches the tasks gathered when the rows stay within the 16, then
//     all of theirs, level by level while they fit.
//   - A task is named by its record, else by the workload (a closed one,
//     numbered group by group), else "task N" (N from 1). Counts are
//     written with thousands separators.
//
// The trace, which a viewer scrolls and zooms, is the one exception: it
// gives every lane a track and folds none; it draws every task itself,
// under every model (see Trace).
//
// Rows built with columns (NewTimelineRows) know the state drawn in each
// column of each row (Cells), from the spans or from a Folded run's grids
// alike; a row of one lane or task also gives its spans (Spans) when the
// spans were kept.
type TimelineRows struct {
	Rows  []Row
	Lanes int // lanes in the run
	Tasks int // tasks in the run, as the row of all tasks counts them

	layout
	rec      *sim.Recorder
	folded   *Folded
	axis     int64
	cols     int
	laneSpan []int32   // indices into rec.Lanes, lane after lane in order…
	laneAt   []int     // …lane i's from laneAt[i] to laneAt[i+1]
	taskSpan [][]int32 // indices into rec.Tasks, per task with a row
	// branchSpan are indices into rec.BranchSpans, by branch with a row.
	branchSpan map[int32][]int32
}

// NewTimelineRows builds the rows of run's timeline drawn over [0, axis)
// in cols columns. wl, when not nil, names tasks whose records were not
// kept. A run without spans (neither Spans nor Folded) has rows of lanes
// that draw nothing.
func NewTimelineRows(run Run, wl *workload.Workload, axis int64, cols int) *TimelineRows {
	t := newTimelineRows(run, wl, axis, drawnLimits)
	t.build(max(cols, 1))
	return t
}

// newTimelineRows lays out the rows of run and indexes its spans; build
// then makes the rows.
func newTimelineRows(run Run, wl *workload.Workload, axis int64, lim rowLimits) *TimelineRows {
	r := run.Result
	t := &TimelineRows{rec: run.Spans, folded: run.Folded, axis: max(axis, 1)}
	if t.rec == nil {
		t.rec = &sim.Recorder{} // no spans, or folded ones: the rows have no spans
	}
	tasks := taskSet{limit: int32(lim.tasks)}
	if run.Folded != nil {
		tasks = run.Folded.set
	} else {
		for k := range t.rec.Tasks {
			tasks.add(&t.rec.Tasks[k])
		}
	}
	t.layout = newLayout(r, tasks, wl, lim)
	if run.Folded == nil {
		t.addBranches(t.rec)
	}
	t.Lanes, t.Tasks = len(r.Lanes), t.nTasks
	t.index()
	return t
}

// Cols is the number of columns the rows were built with; 0 when they
// were built without (the trace's).
func (t *TimelineRows) Cols() int { return t.cols }

// At is the first instant of column c; At(Cols()) is the axis.
func (t *TimelineRows) At(c int) int64 {
	return (&grid{m: t.axis, cols: max(t.cols, 1)}).at(c)
}

// Cells is the state drawn in each column of a row, chosen as
// Grid.States chooses it; nil for a heading.
func (t *TimelineRows) Cells(row Row) []sim.State { return row.cells }

// Spans is the spans of a row of one lane (the first, when folded) or one
// task, in time order; nil for the other rows and for a run whose spans
// were folded.
func (t *TimelineRows) Spans(row Row) []sim.Span {
	var idx []int32
	var from []sim.Span
	switch {
	case t.folded != nil:
		return nil
	case row.Kind == LaneRow:
		idx, from = t.lane(row.first), t.rec.Lanes
	case row.Kind == TaskRow && row.Depth > 0:
		// A branch's spans, as its task's: Span.Task is a task ID.
		out := make([]sim.Span, 0, len(t.branchSpan[row.Branch]))
		for _, k := range t.branchSpan[row.Branch] {
			s := t.rec.BranchSpans[k]
			s.Task = row.Task
			out = append(out, s)
		}
		slices.SortStableFunc(out, func(a, b sim.Span) int { return cmp.Compare(a.Start, b.Start) })
		return out
	case row.Kind == TaskRow && int(row.Task) < len(t.taskSpan):
		idx, from = t.taskSpan[row.Task], t.rec.Tasks
	default:
		return nil
	}
	out := make([]sim.Span, len(idx))
	for i, k := range idx {
		out[i] = from[k]
	}
	slices.SortStableFunc(out, func(a, b sim.Span) int { return cmp.Compare(a.Start, b.Start) })
	return out
}

// TaskName is the name of task id, by the rule of TimelineRows.
func (t *TimelineRows) TaskName(id int32) string { return t.name(id) }

// layout is what the rows are made of before any span is looked at: the
// lanes in order, their processes, which tasks get rows, the names.
type layout struct {
	res       *sim.Result
	lim       rowLimits
	lanes     []sim.Lane  // in process order
	procLanes map[int]int // lanes per process
	headings  bool        // process headings over the lanes
	fold      bool        // alike lanes fold, and too many rows are cut
	taskIDs   []int32     // tasks with a row each
	allTasks  bool        // one row of all tasks
	nTasks    int         // tasks in the run
	name      func(int32) string
	// kids are, by task with a row, its branches with rows in the
	// order they are drawn (each after its parent); depth, by branch ID,
	// their depths.
	kids        map[int32][]int32
	depth       map[int32]int
	branchNames map[int32]string
}

func newLayout(r *sim.Result, tasks taskSet, wl *workload.Workload, lim rowLimits) layout {
	l := layout{res: r, lim: lim, lanes: slices.Clone(r.Lanes), procLanes: map[int]int{}, name: taskNamer(r, wl)}
	slices.SortStableFunc(l.lanes, func(a, b sim.Lane) int { return cmp.Compare(a.Process, b.Process) })
	loop := false
	for _, ln := range l.lanes {
		l.procLanes[ln.Process]++
		loop = loop || ln.Kind == sim.LoopThread
	}
	l.headings = len(l.procLanes) > 1 && len(l.procLanes) < len(l.lanes)
	l.fold = lim.lanes > 0 && len(l.lanes) > lim.lanes
	l.nTasks = max(r.Tasks, len(r.Records))
	if tasks.any {
		l.nTasks = max(l.nTasks, int(tasks.maxTask)+1)
	}
	if loop && tasks.any {
		if tasks.fits() {
			for i := range tasks.maxTask + 1 {
				if tasks.has[i] {
					l.taskIDs = append(l.taskIDs, i)
				}
			}
		} else {
			l.allTasks = true
		}
	}
	return l
}

// labelWidth is the width of the widest label the rows can have, in
// characters, whatever folds.
func (l *layout) labelWidth() int {
	w, longest := 1, 0
	for _, ln := range l.lanes {
		longest = max(longest, width(clean(ln.Name)))
	}
	w = max(w, longest)
	if l.fold {
		// A folded row: a name and " +k".
		w = max(w, longest+2+width(numfmt.Thousands(len(l.lanes)-1)))
		w = max(w, width(numfmt.Count(len(l.lanes), "lane", "lanes")))
	}
	for _, id := range l.taskIDs {
		w = max(w, width(l.name(id)))
		for _, b := range l.kids[id] {
			w = max(w, width(branchMark(l.depth[b])+l.branchName(b)))
		}
	}
	if l.allTasks {
		w = max(w, width(numfmt.Count(l.nTasks, "task", "tasks")))
	}
	return w
}

// index lists the spans of each lane, lane after lane in order (a counting
// sort, so that a million spans are not moved), and of each task with a
// row.
func (t *TimelineRows) index() {
	pos := make(map[int]int, len(t.lanes))
	for i, ln := range t.lanes {
		pos[ln.ID] = i
	}
	t.laneAt = make([]int, len(t.lanes)+1)
	for _, s := range t.rec.Lanes {
		if i, ok := pos[int(s.Lane)]; ok {
			t.laneAt[i+1]++
		}
	}
	for i := range t.lanes {
		t.laneAt[i+1] += t.laneAt[i]
	}
	t.laneSpan = make([]int32, t.laneAt[len(t.lanes)])
	next := slices.Clone(t.laneAt)
	for k, s := range t.rec.Lanes {
		if i, ok := pos[int(s.Lane)]; ok {
			t.laneSpan[next[i]] = int32(k)
			next[i]++
		}
	}
	if len(t.depth) > 0 {
		t.branchSpan = make(map[int32][]int32, len(t.depth))
		for k, s := range t.rec.BranchSpans {
			if _, ok := t.depth[s.Task]; ok {
				t.branchSpan[s.Task] = append(t.branchSpan[s.Task], int32(k))
			}
		}
	}
	if len(t.taskIDs) > 0 {
		t.taskSpan = make([][]int32, t.taskIDs[len(t.taskIDs)-1]+1)
		for k, s := range t.rec.Tasks {
			if s.Task >= 0 && int(s.Task) < len(t.taskSpan) {
				t.taskSpan[s.Task] = append(t.taskSpan[s.Task], int32(k))
			}
		}
	}
}

// lane is the indices into rec.Lanes of the spans of lane i (in order).
func (t *TimelineRows) lane(i int) []int32 { return t.laneSpan[t.laneAt[i]:t.laneAt[i+1]] }

// addLane adds the spans of lane i (in order) to g.
func (t *TimelineRows) addLane(g *grid, i int) {
	if t.folded != nil {
		g.merge(t.folded.lane(t.lanes[i].ID))
	}
	for _, k := range t.lane(i) {
		s := &t.rec.Lanes[k]
		g.add(s.State, s.Start, s.End)
	}
}

// build makes the rows, with the cells of cols columns when cols > 0.
func (t *TimelineRows) build(cols int) {
	t.cols = cols
	t.Rows = t.Rows[:0]
	var g, all *grid
	if cols > 0 {
		g, all = newGrid(t.axis, cols), newGrid(t.axis, cols)
	}
	last := -1 // the last lane row
	full := false
	var scratch []sim.State
	if cols > 0 {
		scratch = make([]sim.State, cols)
	}
	for i, ln := range t.lanes {
		var cells []sim.State
		if cols > 0 {
			g.reset()
			t.addLane(g, i)
			t.addLane(all, i)
		}
		full = full || t.lim.lanes > 0 && len(t.Rows) > t.lim.lanes
		if full {
			continue // only the row of all lanes needs the rest
		}
		if cols > 0 {
			cells = g.statesInto(scratch, 1)
		}
		newGroup := i == 0 || t.lanes[i-1].Process != ln.Process
		if t.fold && !newGroup && last >= 0 && slices.Equal(cells, t.Rows[last].cells) {
			r := &t.Rows[last]
			r.Count++
			r.Last = clean(ln.Name)
			continue
		}
		cells = slices.Clone(cells)
		if t.headings && newGroup {
			t.Rows = append(t.Rows, Row{Kind: HeadingRow, Process: ln.Process, Task: -1,
				Name:  ProcessName(ln.Process) + " · " + numfmt.Count(t.procLanes[ln.Process], "lane", "lanes"),
				Count: t.procLanes[ln.Process]})
		}
		t.Rows = append(t.Rows, Row{Kind: LaneRow, Name: clean(ln.Name), Process: ln.Process, Lane: ln, Task: -1,
			Count: 1, first: i, cells: cells})
		last = len(t.Rows) - 1
	}
	if t.lim.lanes > 0 && len(t.Rows) > t.lim.lanes {
		// Keep the first rows, then draw every lane together in one row.
		cut, shown := t.lim.kept, 0
		if t.Rows[cut-1].Kind == HeadingRow {
			cut-- // a heading left without its rows
		}
		for _, r := range t.Rows[:cut] {
			if r.Kind == LaneRow {
				shown += r.Count
			}
		}
		n := len(t.lanes)
		t.Rows = append(t.Rows[:cut], Row{Kind: AllLanesRow, Name: numfmt.Count(n, "lane", "lanes"), Process: -1, Task: -1, Count: n,
			Note:  fmt.Sprintf("… %s not shown; all %s together", numfmt.Count(n-shown, "more lane", "more lanes"), numfmt.Count(n, "lane", "lanes")),
			cells: all.states(n)})
	}

	if len(t.taskIDs) > 0 {
		t.Rows = append(t.Rows, Row{Kind: HeadingRow, Name: "tasks", Process: -1, Task: -1, Count: len(t.taskIDs)})
		var tg *grid
		if cols > 0 {
			tg = newGrid(t.axis, cols)
		}
		for _, id := range t.taskIDs {
			row := Row{Kind: TaskRow, Name: t.name(id), Process: -1, Task: id, Count: 1}
			if cols > 0 {
				tg.reset()
				if t.folded != nil {
					tg.merge(t.folded.task(id))
				}
				for _, k := range t.taskSpan[id] {
					s := &t.rec.Tasks[k]
					tg.add(s.State, s.Start, s.End)
				}
				row.cells = tg.states(1)
			}
			t.Rows = append(t.Rows, row)
			for _, b := range t.kids[id] {
				row := Row{Kind: TaskRow, Name: t.branchName(b), Process: -1, Task: id, Count: 1, Depth: t.depth[b], Branch: b}
				if cols > 0 {
					tg.reset()
					for _, k := range t.branchSpan[b] {
						s := &t.rec.BranchSpans[k]
						tg.add(s.State, s.Start, s.End)
					}
					row.cells = tg.states(1)
				}
				t.Rows = append(t.Rows, row)
			}
		}
	}
	if t.allTasks {
		n := t.nTasks
		row := Row{Kind: AllTasksRow, Name: numfmt.Count(n, "task", "tasks"), Process: -1, Task: -1, Count: n,
			Note: fmt.Sprintf("all %s together (what most of them are doing)", numfmt.Count(n, "task", "tasks"))}
		if cols > 0 {
			tg := newGrid(t.axis, cols)
			if t.folded != nil {
				tg.merge(t.folded.allTasks())
			}
			for k := range t.rec.Tasks {
				s := &t.rec.Tasks[k]
				tg.add(s.State, s.Start, s.End)
			}
			row.cells = tg.states(max(n, 1))
		}
		t.Rows = append(t.Rows, row)
	}
}

// addBranches gives rows to the branches of the tasks with rows that ran
// as tasks of their own, level by level while they fit: all the branches
// the tasks gathered when the rows stay within the limit, then all of
// theirs, and so on. Each is drawn after its parent, its own branches
// after it.
func (l *layout) addBranches(rec *sim.Recorder) {
	if len(l.taskIDs) == 0 || len(rec.Branches) == 0 {
		return
	}
	has := make(map[int32]bool, len(l.taskIDs))
	for _, id := range l.taskIDs {
		has[id] = true
	}
	drawn := map[int32]bool{} // branches with spans of their own
	for _, s := range rec.BranchSpans {
		drawn[s.Task] = true
	}
	depth := map[int32]int{}
	var levels [][]int32 // branches with spans, by depth - 1
	for _, b := range rec.Branches {
		d := 1
		if b.Parent >= 0 {
			pd, ok := depth[b.Parent]
			if !ok {
				continue // under a branch without a row
			}
			d = pd + 1
		}
		if !has[b.Task] || !drawn[b.ID] || b.ID < 0 {
			continue
		}
		depth[b.ID] = d
		for len(levels) < d {
			levels = append(levels, nil)
		}
		levels[d-1] = append(levels[d-1], b.ID)
	}
	rows, deepest := len(l.taskIDs), 0
	for i, lv := range levels {
		if rows+len(lv) > l.lim.tasks {
			break
		}
		rows += len(lv)
		deepest = i + 1
	}
	if deepest == 0 {
		return
	}
	l.kids, l.depth, l.branchNames = map[int32][]int32{}, map[int32]int{}, map[int32]string{}
	children := map[int32][]int32{} // by parent branch
	for _, b := range rec.Branches {
		if d, ok := depth[b.ID]; ok && d <= deepest {
			l.depth[b.ID] = d
			l.branchNames[b.ID] = clean(b.Name)
			if b.Parent >= 0 {
				children[b.Parent] = append(children[b.Parent], b.ID)
			}
		}
	}
	var walk func(task, b int32)
	walk = func(task, b int32) {
		l.kids[task] = append(l.kids[task], b)
		for _, c := range children[b] {
			walk(task, c)
		}
	}
	for _, b := range rec.Branches {
		if d, ok := l.depth[b.ID]; ok && d == 1 {
			walk(b.Task, b.ID)
		}
	}
}

// branchName is the name of branch b with a row.
func (l *layout) branchName(b int32) string { return l.branchNames[b] }

// hold is a stretch of time in which a lane (an index into
// TimelineRows.lanes) held its process's GIL.
type hold struct {
	start, end int64
	lane       int
}

// holdsGIL says whether a lane in state s holds its process's GIL: it runs
// Python code, or runtime overhead, which runs Python code too.
func holdsGIL(s sim.State) bool { return s == sim.Working || s == sim.Overhead }

// gilTrack says whether process p gets a row (a track) of its GIL's holder:
// when the run has a GIL (gil) and p has more than one lane to hand it
// over between.
func (l *layout) gilTrack(p int, gil bool) bool { return gil && l.procLanes[p] > 1 }

// gilHolds is who held process p's GIL when, among all its lanes, in time
// order: a hold per span of a lane holding it.
func (t *TimelineRows) gilHolds(p int) []hold {
	var holds []hold
	for i, l := range t.lanes {
		if l.Process != p {
			continue
		}
		for _, k := range t.lane(i) {
			s := &t.rec.Lanes[k]
			if holdsGIL(s.State) {
				holds = append(holds, hold{s.Start, s.End, i})
			}
		}
	}
	slices.SortStableFunc(holds, func(a, b hold) int { return cmp.Compare(a.start, b.start) })
	return holds
}

// taskNamer names task i: its record's name, else its name from the
// workload (a closed one, whose tasks are numbered group by group), else
// "task N". Names are cleaned.
func taskNamer(r *sim.Result, wl *workload.Workload) func(int32) string {
	var fromWL []string
	if len(r.Records) == 0 && wl != nil && wl.Arrivals == nil && wl.NumTasks() <= maxSpanNames {
		for g, grp := range wl.Groups {
			for c := range grp.Count {
				fromWL = append(fromWL, wl.TaskName(g, c))
			}
		}
	}
	return func(i int32) string {
		switch {
		case i >= 0 && int(i) < len(r.Records) && r.Records[i].Name != "":
			return clean(r.Records[i].Name)
		case i >= 0 && int(i) < len(fromWL):
			return clean(fromWL[i])
		}
		return "task " + strconv.Itoa(int(i)+1)
	}
}

// maxSpanNames is the most task names taken from a workload.
const maxSpanNames = 1_000_000

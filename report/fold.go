package report

import (
	"github.com/conclab/conclab/sim"
)

// MaxSpans is the most spans a SpanLimit keeps. A run that makes more is
// run again into a Folded sink for the timelines; the formats that need
// every span (the trace, explain's story) are refused.
const MaxSpans = 1_000_000

// SpanLimit is a sim.Sink that keeps spans like a sim.Recorder until there
// are more than Max, then drops them and only counts: a first run, to find
// out whether the spans fit and, when they do not, how the timelines of a
// second, folded run are laid out (the makespan, which tasks have rows).
type SpanLimit struct {
	Max      int
	Recorder sim.Recorder // the spans, when Over is false
	Over     bool         // more than Max spans: Recorder was emptied
	Spans    int          // spans seen
	tasks    taskSet
}

// LaneSpan records a lane span.
func (l *SpanLimit) LaneSpan(s sim.Span) {
	if l.keep() {
		l.Recorder.LaneSpan(s)
	}
}

// TaskSpan records a task span.
func (l *SpanLimit) TaskSpan(s sim.Span) {
	l.tasks.add(&s)
	if l.keep() {
		l.Recorder.TaskSpan(s)
	}
}

// Hold records a unit of a resource taken or given back (counted as a
// span: a pool of a million requests makes two million).
func (l *SpanLimit) Hold(h sim.Hold) {
	if l.keep() {
		l.Recorder.Hold(h)
	}
}

// Branch records a gather branch (one record for each, as for a task:
// not counted as a span).
func (l *SpanLimit) Branch(b sim.Branch) {
	if !l.Over {
		l.Recorder.Branch(b)
	}
}

// BranchSpan records a span of a branch that runs as a task of its own.
func (l *SpanLimit) BranchSpan(s sim.Span) {
	if l.keep() {
		l.Recorder.BranchSpan(s)
	}
}

// Gather records a gather (not counted as a span either).
func (l *SpanLimit) Gather(g sim.Gather) {
	if !l.Over {
		l.Recorder.Gather(g)
	}
}

var (
	_ sim.HoldSink = (*SpanLimit)(nil)
	_ sim.TreeSink = (*SpanLimit)(nil)
)

func (l *SpanLimit) keep() bool {
	l.Spans++
	if !l.Over && l.Spans > l.Max {
		l.Over, l.Recorder = true, sim.Recorder{}
	}
	return !l.Over
}

// taskSet is what the timelines need to know of the task spans to lay out
// their rows: whether there are any, and which tasks of the first limit
// (maxTaskRows unless set) have spans when no task beyond them has.
type taskSet struct {
	any     bool
	maxTask int32
	limit   int32
	has     []bool
}

func (t *taskSet) add(s *sim.Span) {
	if !t.any {
		t.any, t.maxTask = true, -1
		if t.limit <= 0 {
			t.limit = maxTaskRows
		}
		t.has = make([]bool, t.limit)
	}
	t.maxTask = max(t.maxTask, s.Task)
	if s.Task >= 0 && s.Task < t.limit {
		t.has[s.Task] = true
	}
}

// fits says whether every task gets a row of its own.
func (t *taskSet) fits() bool { return t.maxTask < t.limit }

// Folded is a sim.Sink that keeps of a run's spans only what a timeline
// of cols columns over [0, m) draws: for each lane, each task of the first
// maxTaskRows and all tasks together, how long each state covers each
// column. Its memory does not grow with the number of spans. A renderer
// drawing m in cols columns (or in a whole fraction of them) chooses
// exactly the states it would choose from the spans.
type Folded struct {
	m       int64
	cols    int
	lanes   []*grid // by lane ID
	tasks   [maxTaskRows]*grid
	all     *grid // all tasks
	set     taskSet
	spans   int  // spans received
	drawn   int  // lane spans in a state that is drawn
	tasked  int  // task spans
	gilWait bool // a lane waited for the GIL
	closed  bool
}

// NewFolded makes a Folded sink for a timeline of cols columns over [0, m).
func NewFolded(m int64, cols int) *Folded {
	m, cols = max(m, 1), max(cols, 1)
	return &Folded{m: m, cols: cols, all: newGrid(m, cols)}
}

// LaneSpan folds a lane span.
func (f *Folded) LaneSpan(s sim.Span) {
	f.spans++
	if s.State != sim.Idle && int(s.State) < nStates {
		f.drawn++
	}
	f.gilWait = f.gilWait || s.State == sim.GILWait
	if s.Lane < 0 {
		return
	}
	for int(s.Lane) >= len(f.lanes) {
		f.lanes = append(f.lanes, nil)
	}
	g := f.lanes[s.Lane]
	if g == nil {
		g = newGrid(f.m, f.cols)
		f.lanes[s.Lane] = g
	}
	g.add(s.State, s.Start, s.End)
}

// TaskSpan folds a task span.
func (f *Folded) TaskSpan(s sim.Span) {
	f.spans++
	f.tasked++
	f.set.add(&s)
	if s.Task >= 0 && s.Task < maxTaskRows {
		if f.tasks[s.Task] == nil {
			f.tasks[s.Task] = newGrid(f.m, f.cols)
		}
		f.tasks[s.Task].add(s.State, s.Start, s.End)
	}
	f.all.add(s.State, s.Start, s.End)
}

// Spans is the number of spans the sink received.
func (f *Folded) Spans() int { return f.spans }

// close turns the grids' whole-column spans into coverage, once the run
// is over.
func (f *Folded) close() {
	if f.closed {
		return
	}
	f.closed = true
	for _, g := range f.lanes {
		if g != nil {
			g.materialize()
		}
	}
	for _, g := range f.tasks {
		if g != nil {
			g.materialize()
		}
	}
	f.all.materialize()
}

// lane is the folded grid of a lane, nil if it had no span.
func (f *Folded) lane(id int) *grid {
	f.close()
	if id < 0 || id >= len(f.lanes) {
		return nil
	}
	return f.lanes[id]
}

// task is the folded grid of a task of the first maxTaskRows, nil if it had
// no span.
func (f *Folded) task(id int32) *grid {
	f.close()
	if id < 0 || id >= maxTaskRows {
		return nil
	}
	return f.tasks[id]
}

// allTasks is the folded grid of all tasks together.
func (f *Folded) allTasks() *grid {
	f.close()
	return f.all
}

var (
	_ sim.Sink = (*Folded)(nil)
	_ sim.Sink = (*SpanLimit)(nil)
)

// TimelineColumns is the number of columns of the terminal timeline of a
// run with result r whose spans went to l, at the width of opt: the
// columns to fold its spans into.
func TimelineColumns(r *sim.Result, l *SpanLimit, opt Options) int {
	_, cols := terminalColumns(newLayout(r, l.tasks, nil, drawnLimits), opt.width())
	return cols
}

// SVGColumns is the number of pixel columns of an aggregated SVG or HTML
// timeline drawn with opt: the columns to fold spans into. The timelines
// are drawn over the longest makespan of the runs, unless SeparateAxes.
func SVGColumns(opt SVGOptions) int {
	width, err := svgWidth(opt)
	if err != nil {
		width = DefaultSVGWidth
	}
	w := float64(width)
	return max(1, int((w-w/4-svgPad)/2))
}

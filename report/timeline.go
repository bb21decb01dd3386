package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/conclab/conclab/sim"
)

// Limits that keep a timeline readable.
const (
	maxLabel    = 14 // columns of the label column
	maxTaskRows = 16 // more tasks are drawn as one aggregate row
	maxLaneRows = 24 // more lines of lanes are folded
	keptLanes   = 20 // lines of lanes kept when folding
	minWidth    = 24 // narrower than this, a timeline cannot be drawn
)

// glyphs and colours of the states.
var (
	glyph = [nStates]rune{
		sim.Idle:     ' ',
		sim.Working:  '█',
		sim.WorkingC: '▓',
		sim.GILWait:  '▒',
		sim.Waiting:  '─',
		sim.Blocked:  '×',
		sim.Ready:    '░',
		sim.Overhead: '·',
	}
	stateSGR = [nStates]string{
		sim.Working:  "\x1b[32m", // green
		sim.WorkingC: "\x1b[36m", // cyan
		sim.GILWait:  "\x1b[31m", // red
		sim.Waiting:  "\x1b[34m", // blue
		sim.Blocked:  "\x1b[35m", // magenta
		sim.Ready:    "\x1b[33m", // yellow
		sim.Overhead: sgrDim,
	}
	// legendOrder is the order of the legend: running, then not.
	legendOrder = []sim.State{sim.Working, sim.WorkingC, sim.GILWait, sim.Ready, sim.Waiting, sim.Blocked, sim.Overhead}
)

// describe is the legend's word for a state.
func describe(s sim.State, gil bool) string {
	switch s {
	case sim.Working:
		if gil {
			return "working (holds the GIL)"
		}
		return "working"
	case sim.WorkingC:
		return "working in C (GIL released)"
	case sim.GILWait:
		return "waiting for the GIL"
	case sim.Waiting:
		return "waiting (I/O, sleep)"
	case sim.Blocked:
		return "blocked (loop stalled)"
	case sim.Ready:
		return "ready, not running"
	case sim.Overhead:
		return "runtime overhead"
	}
	return s.String()
}

// tline is one line of a timeline: a row of cells under a label, or, when
// cells is nil, a line of text (a group heading or a note).
type tline struct {
	label string
	cells []sim.State
	text  string
	lanes int // lanes this line stands for
}

// Timeline draws run as a terminal timeline: a header with the model and
// its makespan; one row per lane (thread, event loop, process), grouped by
// process when there is more than one; for asyncio runs, one row per task
// (or one row for all tasks when there are more than 16); a time axis and a
// legend. Time runs left to right over the makespan; each column shows the
// state that dominated its slice of time, preferring a more informative
// state (working, waiting for the GIL, blocked) that covers at least a
// third of it. Many lanes are folded. No line is wider than opt.Width; a
// run without spans gets its header and a note.
func Timeline(w io.Writer, run Run, opt Options) error {
	r := run.Result
	if r == nil {
		return fmt.Errorf("report: timeline of a run without a result")
	}
	total := opt.width()
	if total < minWidth {
		return fmt.Errorf("report: width %d is too narrow for a timeline (want at least %d)", total, minWidth)
	}
	var b strings.Builder
	text := func(s, sgr string) {
		b.WriteString(paint(opt.Color, sgr, truncate(s, total)))
		b.WriteByte('\n')
	}

	head := fmt.Sprintf("%s · makespan %s · %s", clean(r.Model), Seconds(r.Makespan), plural(r.Tasks, "task"))
	text(head, sgrBold)
	switch {
	case run.Spans == nil && run.Folded == nil:
		text("(no timeline: spans were not recorded)", sgrDim)
	case r.Makespan <= 0:
		text("(nothing to draw: the makespan is zero)", sgrDim)
	default:
		if run.Spans == nil {
			run.Spans = &sim.Recorder{}
		}
		drawTimeline(&b, run, total, opt.Color)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func drawTimeline(b *strings.Builder, run Run, total int, color bool) {
	r := run.Result
	lines, labelW := timelineRows(run, total)
	seen := [nStates]bool{}
	for _, l := range lines {
		if l.cells == nil {
			b.WriteString(paint(color, sgrDim, truncate(l.text, total)))
			b.WriteByte('\n')
			continue
		}
		b.WriteString(padRight(truncate(l.label, labelW), labelW))
		b.WriteString("│")
		for i := 0; i < len(l.cells); {
			s := l.cells[i]
			j := i
			for j < len(l.cells) && l.cells[j] == s {
				j++
			}
			seen[s] = true
			b.WriteString(paint(color, stateSGR[s], strings.Repeat(string(glyph[s]), j-i)))
			i = j
		}
		b.WriteString("│\n")
	}
	drawAxis(b, r.Makespan, labelW, total-labelW-2)

	// Legend: the states drawn, wrapped to the width; only glyphs coloured.
	gil := r.Runtime == "" || r.Runtime == "cpython"
	lineW := 0
	for _, s := range legendOrder {
		if !seen[s] {
			continue
		}
		words := truncate(describe(s, gil), total-2)
		itW := 2 + width(words)
		if lineW > 0 && lineW+2+itW > total {
			b.WriteByte('\n')
			lineW = 0
		}
		if lineW > 0 {
			b.WriteString("  ")
			lineW += 2
		}
		b.WriteString(paint(color, stateSGR[s], string(glyph[s])) + " " + words)
		lineW += itW
	}
	if lineW > 0 {
		b.WriteByte('\n')
	}
}

// timelineRows builds the lines of the timeline and the width of its label
// column.
func timelineRows(run Run, total int) ([]tline, int) {
	r, rec := run.Result, run.Spans
	// Lanes in process order; spans sorted by lane with a counting sort so
	// that one grid can be reused lane after lane.
	lanes := slices.Clone(r.Lanes)
	slices.SortStableFunc(lanes, func(a, b sim.Lane) int { return cmp.Compare(a.Process, b.Process) })
	row := make(map[int]int, len(lanes))
	for i, l := range lanes {
		row[l.ID] = i
	}
	procs := map[int]int{} // lanes per process
	for _, l := range lanes {
		procs[l.Process]++
	}

	tasks := tasksOf(rec)
	if run.Folded != nil {
		tasks = run.Folded.set
	}
	labels, labelW, cols := timelineLabels(r, tasks, total)
	taskIDs, aggregateTasks, taskLabel, nTasks := labels.ids, labels.aggregate, labels.name, labels.n

	// Lane rows.
	order := make([]int32, 0, len(rec.Lanes))
	start := make([]int, len(lanes)+1)
	for _, s := range rec.Lanes {
		if i, ok := row[int(s.Lane)]; ok {
			start[i+1]++
		}
	}
	for i := range lanes {
		start[i+1] += start[i]
	}
	order = order[:start[len(lanes)]]
	next := slices.Clone(start)
	for k, s := range rec.Lanes {
		if i, ok := row[int(s.Lane)]; ok {
			order[next[i]] = int32(k)
			next[i]++
		}
	}
	g := newGrid(r.Makespan, cols)
	all := newGrid(r.Makespan, cols)
	// Lines of lanes, built as the lanes are drawn. Runs of identical
	// lanes are folded when there are many lanes; once there are more lines
	// than fit, only the row of all lanes together still needs the rest.
	headings := len(procs) > 1 && len(procs) < len(lanes)
	fold := len(lanes) > maxLaneRows
	var lines []tline
	var rep []sim.State // cells of the last lane drawn
	var same []string   // names of the lanes since, identical to it
	nSame := 0
	flush := func() {
		if fold && nSame >= 2 {
			lines = append(lines, tline{text: fmt.Sprintf("… %s like this", plural(nSame, "more lane")), lanes: nSame})
		} else {
			for _, name := range same {
				lines = append(lines, tline{label: name, cells: rep, lanes: 1})
			}
		}
		same, nSame = same[:0], 0
	}
	for i, l := range lanes {
		g.reset()
		if run.Folded != nil {
			g.merge(run.Folded.lane(l.ID))
			all.merge(run.Folded.lane(l.ID))
		}
		for _, k := range order[start[i]:start[i+1]] {
			s := rec.Lanes[k]
			g.add(s.State, s.Start, s.End)
			all.add(s.State, s.Start, s.End)
		}
		if len(lines) > maxLaneRows {
			continue
		}
		cells := g.states(1)
		newGroup := i == 0 || lanes[i-1].Process != l.Process
		if !newGroup && slices.Equal(cells, rep) {
			if len(same) < 2 || !fold {
				same = append(same, clean(l.Name))
			}
			nSame++
			continue
		}
		flush()
		if headings && newGroup {
			lines = append(lines, tline{text: fmt.Sprintf("process %d (%s)", l.Process+1, plural(procs[l.Process], "lane"))})
		}
		lines = append(lines, tline{label: clean(l.Name), cells: cells, lanes: 1})
		rep = cells
	}
	flush()
	if len(lines) > maxLaneRows {
		// Keep the first lines, then draw every lane together in one row.
		cut, shown := keptLanes, 0
		if lines[cut-1].cells == nil && lines[cut-1].lanes == 0 {
			cut-- // a heading left without its rows
		}
		for _, l := range lines[:cut] {
			shown += l.lanes
		}
		lines = append(lines[:cut],
			tline{text: fmt.Sprintf("… %s not shown; all lanes together:", plural(len(lanes)-shown, "more lane"))},
			tline{label: plural(len(lanes), "lane"), cells: all.states(len(lanes))})
	}

	// Task rows.
	if len(taskIDs) > 0 {
		lines = append(lines, tline{text: "tasks"})
		tg := newGrid(r.Makespan, cols)
		for _, id := range taskIDs {
			tg.reset()
			if run.Folded != nil {
				tg.merge(run.Folded.task(id))
			}
			for _, s := range rec.Tasks {
				if s.Task == id {
					tg.add(s.State, s.Start, s.End)
				}
			}
			lines = append(lines, tline{label: taskLabel(id), cells: tg.states(1)})
		}
	}
	if aggregateTasks {
		tg := newGrid(r.Makespan, cols)
		if run.Folded != nil {
			tg.merge(run.Folded.allTasks())
		}
		for _, s := range rec.Tasks {
			tg.add(s.State, s.Start, s.End)
		}
		lines = append(lines,
			tline{text: fmt.Sprintf("all %s together (what most of them are doing):", plural(nTasks, "task"))},
			tline{label: plural(nTasks, "task"), cells: tg.states(max(nTasks, 1))})
	}
	return lines, labelW
}

// taskLabels says which tasks a timeline draws a row for, how to name
// them, and whether it draws all tasks as one row instead.
type taskLabels struct {
	ids       []int32
	aggregate bool
	name      func(int32) string
	n         int // tasks in the run
}

// timelineLabels lays out the label column of a run's timeline of total
// columns: the task rows, the label width, and the columns left to draw
// time in.
func timelineLabels(r *sim.Result, tasks taskSet, total int) (taskLabels, int, int) {
	loop := false
	for _, l := range r.Lanes {
		loop = loop || l.Kind == sim.LoopThread
	}
	var t taskLabels
	if loop && tasks.any {
		if tasks.fits() {
			for i := range tasks.maxTask + 1 {
				if tasks.has[i] {
					t.ids = append(t.ids, i)
				}
			}
		} else {
			t.aggregate = true
		}
	}
	t.n = max(r.Tasks, len(r.Records))
	t.name = func(i int32) string {
		if int(i) < len(r.Records) && r.Records[i].Name != "" {
			return clean(r.Records[i].Name)
		}
		return "task " + strconv.Itoa(int(i)+1)
	}

	// The label column fits the longest label, up to maxLabel.
	labelW := 1
	for _, l := range r.Lanes {
		labelW = max(labelW, width(clean(l.Name)))
	}
	for _, id := range t.ids {
		labelW = max(labelW, width(t.name(id)))
	}
	if t.aggregate {
		labelW = max(labelW, width(plural(t.n, "task")))
	}
	if len(r.Lanes) > maxLaneRows {
		labelW = max(labelW, width(plural(len(r.Lanes), "lane")))
	}
	labelW = min(labelW, maxLabel, max(4, (total-2)/3))
	return t, labelW, total - labelW - 2
}

// drawAxis draws the time axis under the rows: a ruler with ticks at round
// instants and their labels.
func drawAxis(b *strings.Builder, m int64, labelW, cols int) {
	g := &grid{m: m, cols: cols}
	step := tickStep(m, max(1, cols/10))
	unit, unitName := axisUnit(m)
	ruler := []rune(strings.Repeat("─", cols))
	labels := []rune(strings.Repeat(" ", cols))
	end := -1 // last column used by a label
	for t := int64(0); t <= m; t += step {
		c := cols - 1
		if t < m {
			c = g.col(t)
		}
		ruler[c] = '┬'
		s := []rune(strconv.FormatFloat(float64(t)/float64(unit), 'f', -1, 64) + unitName)
		at := min(c, cols-len(s))
		if at <= end+1 && t > 0 || at < 0 {
			continue
		}
		copy(labels[at:], s)
		end = at + len(s) - 1
	}
	pad := strings.Repeat(" ", labelW)
	b.WriteString(pad + "└" + string(ruler) + "┘\n")
	b.WriteString(strings.TrimRight(pad+" "+string(labels), " ") + "\n")
}

// tickStep is the smallest round step (1, 2 or 5 × 10^k ns) that divides m
// into at most n intervals.
func tickStep(m int64, n int) int64 {
	for p := int64(1); ; p *= 10 {
		for _, f := range []int64{1, 2, 5} {
			if s := f * p; m/s <= int64(n) {
				return s
			}
		}
		if p > m {
			return m
		}
	}
}

// axisUnit is the unit of the axis labels, chosen by the makespan.
func axisUnit(m int64) (int64, string) {
	switch {
	case m >= 1e9:
		return 1e9, "s"
	case m >= 1e6:
		return 1e6, "ms"
	case m >= 1e3:
		return 1e3, "µs"
	}
	return 1, "ns"
}

// plural writes "1 task", "3 tasks".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

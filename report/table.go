package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/conclab/conclab/sim"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/textsafe"
)

// column is one column of the summary table.
type column struct {
	head  string
	right bool // numbers align right
	// meaning says what the column holds, as run --help and the page
	// explain it; the ones easy to misread say so (a sum, a share, a
	// maximum).
	meaning string
}

var tableColumns = []column{
	{"model", false, "the model: how the tasks were run"},
	{"makespan", true, "from the start until the last task finished"},
	{"lat p50", true, "a task's latency, from its release to its end: the median"},
	{"lat p99", true, "the 99th percentile of a task's latency (release to end)"},
	{"cpu", true, "the cores' busy time as a share of all the cores over the makespan (one busy core of four is 25%)"},
	{"GIL wait", true, "the time threads waited for the GIL, summed over threads: it can exceed the makespan"},
	{"GIL sw", true, "how many times the GIL passed from one thread to another"},
	{"stall", true, "the longest time an event loop ran one callback without coming back to the others (asyncio)"},
	{"threads", true, "the most threads alive at once"},
	{"resident", true, "the peak memory in use (resident), all processes together"},
	{"reserved", true, "the peak memory reserved (virtual), thread stacks included"},
}

// resWaitColumn is the column of the time tasks waited for resources,
// shown after the GIL's when a run's workload has resources.
var resWaitColumn = column{"res wait", true, "the time tasks waited for a unit of a resource (a pool, a lock), summed over tasks; only for a workload with resources"}

// modelWidth is how far the model names of rows may be cut before
// columns on the right are left out: to their models whole (up to 32
// columns; "processes(2, start=forkserver)" cut to 24 would read
// "processes(2, start=fork…", another start method), and then only as far
// as the names cut still tell apart the runs whose names differ: what is
// left of a cut name begins no other name (beside "… · cpython-3.11", the
// 3.8 row must not read "… · cpython-3.…").
func modelWidth(rows [][]string) int {
	least := 24
	for _, row := range rows {
		m, _, more := strings.Cut(row[0], " · ")
		need := width(m)
		if more {
			need++ // the ellipsis after it
		}
		least = max(least, min(need, 32))
	}
	for n := least; ; n++ {
		ok, longer := true, false
		for _, row := range rows {
			if width(row[0]) <= n {
				continue
			}
			longer = true
			kept := strings.TrimSuffix(textsafe.Cut(row[0], n), "…")
			for _, other := range rows {
				if other[0] != row[0] && strings.HasPrefix(other[0], kept) {
					ok = false
				}
			}
		}
		if ok || !longer {
			return n
		}
	}
}

// Table writes the summary table of runs: one row per model with its
// makespan, task latency p50 and p99, CPU utilisation, GIL wait (summed over
// threads), GIL hand-overs, the time tasks waited for resources (when the
// workload has some), the longest event-loop stall, the peak number of
// threads and the peak resident and reserved memory. Short notes follow the
// table when something in it needs a word (a run that finished no task, a
// run without per-task records, an overloaded run and the rate it serves
// of the rate offered, a deadlock and its cycle). No line is wider than
// opt.Width.
func Table(w io.Writer, runs []Run, opt Options) error {
	rows := make([][]string, 0, len(runs))
	var notes []string
	var noTasks, noRecords, overloaded []string
	var offered float64
	columns := tableColumns
	withRes := false
	for _, run := range runs {
		withRes = withRes || run.Result != nil && len(run.Result.Resources) > 0
	}
	if withRes {
		columns = slices.Insert(slices.Clone(tableColumns), 7, resWaitColumn)
	}
	for i, run := range runs {
		r := run.Result
		if r == nil {
			return fmt.Errorf("report: run %d has no result", i+1)
		}
		model := clean(r.Model)
		cells := tableCells(r)
		cells[0] = model
		if withRes {
			cells = slices.Insert(cells, 7, Seconds(r.ResourceWait))
		}
		if r.Deadlock != nil {
			cells[0] = model + " ✗"
			notes = append(notes, "✗ "+DeadlockText(r))
		}
		rows = append(rows, cells)
		if r.Overloaded {
			rows[len(rows)-1][0] = model + " ⚠"
			serves := " serves "
			if len(overloaded) > 0 {
				serves = " "
			}
			overloaded = append(overloaded, model+serves+numfmt.PerSecond(r.Served))
			offered = r.Offered // the same draws under every model
		}
		switch {
		case r.Tasks == 0:
			noTasks = append(noTasks, model)
		case len(r.Records) == 0:
			noRecords = append(noRecords, model)
		}
	}
	if len(noTasks) > 0 {
		notes = append(notes, "no task finished under "+strings.Join(noTasks, ", "))
	}
	if len(noRecords) > 0 {
		notes = append(notes, "per-task records not kept for "+strings.Join(noRecords, ", "))
	}
	if len(overloaded) > 0 {
		notes = append(notes, "⚠ overloaded, the queue grows without bound (latency depends on the window): of "+
			numfmt.PerSecond(offered)+" offered, "+strings.Join(overloaded, ", "))
	}

	total := opt.width()
	widths := make([]int, len(columns))
	for j, c := range columns {
		widths[j] = width(c.head)
	}
	for _, row := range rows {
		for j, cell := range row {
			widths[j] = max(widths[j], width(cell))
		}
	}
	// Fit the width: narrow the gaps; cut very long model names; leave out
	// columns from the right rather than cut a number; and only then cut
	// model names further.
	gap := 2
	sum := func() int {
		n := gap * (len(widths) - 1)
		for _, wd := range widths {
			n += wd
		}
		return n
	}
	shrinkModel := func(least int) {
		if over := sum() - total; over > 0 {
			widths[0] = max(widths[0]-over, min(widths[0], least))
		}
	}
	if sum() > total {
		gap = 1
	}
	shrinkModel(modelWidth(rows))
	var dropped []string
	for len(widths) > 2 && sum() > total {
		dropped = append([]string{columns[len(widths)-1].head}, dropped...)
		widths = widths[:len(widths)-1]
	}
	shrinkModel(8)
	if len(dropped) > 0 {
		notes = append(notes, "too narrow to show "+strings.Join(dropped, ", "))
	}

	var b strings.Builder
	line := func(cells []string, sgr string) {
		var l strings.Builder
		for j, cell := range cells[:len(widths)] {
			if j > 0 {
				l.WriteString(strings.Repeat(" ", gap))
			}
			cell = textsafe.Cut(cell, widths[j])
			if columns[j].right {
				l.WriteString(padLeft(cell, widths[j]))
			} else if j < len(widths)-1 {
				l.WriteString(padRight(cell, widths[j]))
			} else {
				l.WriteString(cell)
			}
		}
		s := textsafe.Cut(strings.TrimRight(l.String(), " "), total)
		b.WriteString(paint(opt.Color, sgr, s))
		b.WriteByte('\n')
	}
	heads := make([]string, len(columns))
	for j, c := range columns {
		heads[j] = c.head
	}
	line(heads, sgrBold)
	for _, row := range rows {
		line(row, "")
	}
	for _, n := range notes {
		for _, l := range textsafe.Wrap(clean("note: "+n), total, "", "      ") {
			b.WriteString(paint(opt.Color, sgrDim, l))
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// DeadlockText says in a sentence what stopped run r, a run that ended in
// a deadlock: when, and for each task of the cycle what it holds and what
// it waits for.
func DeadlockText(r *sim.Result) string {
	d := r.Deadlock
	var b strings.Builder
	fmt.Fprintf(&b, "deadlock under %s at %s: ", r.Model, Seconds(d.At))
	for i, l := range d.Cycle {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(l.Task)
		if len(l.Holds) > 0 {
			b.WriteString(" holds " + strings.Join(l.Holds, ", ") + " and")
		}
		b.WriteString(" waits for " + l.WaitsFor)
	}
	fmt.Fprintf(&b, "; the run stopped there, %s finished", numfmt.Count(r.Tasks, "task", "tasks"))
	return clean(b.String())
}

package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/conclab/conclab/sim"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/textsafe"
)

// Limits that keep a terminal timeline readable; the rows' limits are
// TimelineRows'.
const (
	maxLabel = 14 // columns of the label column
	minWidth = 24 // narrower than this, a timeline cannot be drawn
)

// glyphs of the states, one each, so that colour is never the only thing
// that tells two states apart (their colours are stateSGR's).
var (
	glyph = [nStates]rune{
		sim.Idle:         ' ',
		sim.Working:      '█',
		sim.WorkingC:     '▓',
		sim.GILWait:      '▒',
		sim.Waiting:      '─',
		sim.Blocked:      '×',
		sim.Ready:        '░',
		sim.Overhead:     '·',
		sim.ResourceWait: '≡',
		sim.Pickling:     '¤',
		sim.Running:      '▇',
	}
	// legendOrder is the order of the legend: running, then not.
	legendOrder = []sim.State{sim.Working, sim.Running, sim.WorkingC, sim.GILWait, sim.Ready, sim.ResourceWait, sim.Waiting, sim.Blocked,
		sim.Pickling, sim.Overhead}
)

// describe is the legend's word for a state.
func describe(s sim.State, gil bool) string {
	switch s {
	case sim.Working:
		if gil {
			return "working (holds the GIL)"
		}
		return "working"
	case sim.Running:
		return "running Python (GIL holder not measured)"
	case sim.WorkingC:
		if gil {
			return "working in C (GIL released)"
		}
		return "working in C"
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
	case sim.ResourceWait:
		return "waiting for a resource (pool, lock)"
	case sim.Pickling:
		return "pickling data for a worker process"
	}
	return s.String()
}

// Timeline draws run as a terminal timeline: a header with the model and
// its makespan; one row per lane (thread, event loop, process), grouped by
// process when there is more than one; for asyncio runs, one row per task
// (or one row for all tasks when there are more than 16); a time axis and a
// legend. The rows are TimelineRows', whose doc says which and how named.
// Time runs left to right over the makespan; each column shows the state
// that covers most of its slice of time (a row that only ran slivers shows
// them where they happened). Many lanes are folded. No line is wider than
// opt.Width; a run without spans gets its header and a note.
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
		b.WriteString(paint(opt.Color, sgr, textsafe.Cut(s, total)))
		b.WriteByte('\n')
	}

	head := fmt.Sprintf("%s · makespan %s · %s", clean(r.Model), Seconds(r.Makespan), numfmt.Count(r.Tasks, "task", "tasks"))
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

func drawTimeline(b *strings.Builder, run Run, total int, color Colors) {
	r := run.Result
	rows := newTimelineRows(run, nil, r.Makespan, drawnLimits)
	labelW, cols := terminalColumns(rows.layout, total)
	rows.build(cols)
	seen := [nStates]bool{}
	text := func(s string) {
		b.WriteString(paint(color, sgrDim, textsafe.Cut(s, total)))
		b.WriteByte('\n')
	}
	for _, row := range rows.Rows {
		switch row.Kind {
		case HeadingRow:
			text(row.Name)
			continue
		case AllLanesRow, AllTasksRow:
			text(row.Note + ":")
		}
		b.WriteString(padRight(row.Label(labelW), labelW))
		b.WriteString("│")
		cells := rows.Cells(row)
		for i := 0; i < len(cells); {
			s := cells[i]
			j := i
			for j < len(cells) && cells[j] == s {
				j++
			}
			seen[s] = true
			b.WriteString(paint(color, stateSGR(s, color), strings.Repeat(string(glyph[s]), j-i)))
			i = j
		}
		b.WriteString("│\n")
	}
	drawAxis(b, r.Makespan, labelW, cols)

	// Legend: the states drawn, wrapped to the width; only glyphs coloured.
	gil := runHasGIL(run)
	res := resourceNames(run)
	lineW := 0
	for _, s := range legendOrder {
		if !seen[s] {
			continue
		}
		words := textsafe.Cut(legendWords(s, gil, res), total-2)
		itW := 2 + width(words)
		if lineW > 0 && lineW+2+itW > total {
			b.WriteByte('\n')
			lineW = 0
		}
		if lineW > 0 {
			b.WriteString("  ")
			lineW += 2
		}
		b.WriteString(paint(color, stateSGR(s, color), string(glyph[s])) + " " + words)
		lineW += itW
	}
	if lineW > 0 {
		b.WriteByte('\n')
	}
}

// terminalColumns lays out a terminal timeline of total columns: the width
// of its label column, which fits the longest label up to maxLabel, and
// the columns left to draw time in.
func terminalColumns(l layout, total int) (labelW, cols int) {
	labelW = min(l.labelWidth(), maxLabel, max(4, (total-2)/3))
	return labelW, total - labelW - 2
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

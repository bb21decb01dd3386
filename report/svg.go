package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/textsafe"
)

// SVGOptions controls the SVG timelines, on their own or in the HTML report.
type SVGOptions struct {
	// Width is the picture's width in pixels; 0 means DefaultSVGWidth.
	Width int
	// SeparateAxes draws each model over its own makespan. By default all
	// models share one time axis, the longest makespan, so that their
	// timelines compare at a glance.
	SeparateAxes bool
}

// DefaultSVGWidth is the width of an SVG timeline when SVGOptions.Width is
// not set; MinSVGWidth is the narrowest one drawn.
const (
	DefaultSVGWidth = 1100
	MinSVGWidth     = 400
)

// Limits beyond which a model's timeline is aggregated: each row is drawn
// as pixel columns coloured by the state that dominates them, instead of
// span by span, and the picture says so. Which rows there are is
// TimelineRows' rule, as in the terminal and on the page.
const (
	maxSVGLanes  = 200    // a model with more lanes than this is aggregated
	maxSVGSpans  = 12_000 // spans drawn one by one in a picture, at most
	maxSVGShapes = 12_000 // shapes of the aggregated timelines of a picture, about
	minSVGShapes = 2_000  // shapes an aggregated timeline may always have
)

// A shape with its title takes about 150 bytes. A picture draws at most
// maxSVGSpans spans one by one, a shape of the GIL ribbon for at most each
// of them, and about maxSVGShapes shapes of aggregated timelines (at least
// minSVGShapes per model aggregated): for a few models, under about 40,000
// shapes, 6 MB. 22 threads taking turns on the GIL, about as many spans as
// are drawn one by one, take 11,600 shapes, 1.7 MB.

// Geometry of the picture, in pixels.
const (
	svgPad     = 16.0 // margin around the picture
	svgRowH    = 16.0 // height of a lane or task row
	svgRowGap  = 4.0  // space between rows
	svgRibbonH = 6.0  // height of a GIL-holder ribbon
	svgHeadH   = 18.0 // height of a process heading
	svgTitleH  = 24.0 // model title
	svgAxisH   = 30.0 // time axis under the rows
	svgCharW   = 7.0  // width of a character of the 12 px font, generously
	svgMaxTick = 90.0 // least room for a tick label
)

// svgState is how a state is drawn: its fill, the outline of the states
// where a thread runs nothing (light fills), and the colour of text drawn
// on it. The hues are stateHue's, the terminal's too (from the Okabe–Ito
// palette, which colour-blind readers can tell apart); states in which no
// code runs are a light tint outlined in their hue, so that the work stands
// out.
type svgState struct {
	fill, stroke, text string
}

var svgStates = [nStates]svgState{
	sim.Working:  {stateHue[sim.Working].hex(), "", "#ffffff"},
	sim.WorkingC: {stateHue[sim.WorkingC].hex(), "", "#0b2f45"},
	sim.GILWait:  {stateHue[sim.GILWait].hex(), "", "#ffffff"},
	sim.Waiting:  {"#d9e8f5", stateHue[sim.Waiting].hex(), "#0b2f45"},
	sim.Blocked:  {stateHue[sim.Blocked].hex(), "", "#2b0a1d"},
	sim.Ready:    {"#fbf1b0", stateHue[sim.Ready].hex(), "#4a3500"},
	sim.Overhead: {stateHue[sim.Overhead].hex(), "", "#ffffff"},
	// Waiting for a resource runs no code; pickling does.
	sim.ResourceWait: {"#fbf8d4", stateHue[sim.ResourceWait].hex(), "#4a4300"},
	sim.Pickling:     {stateHue[sim.Pickling].hex(), "", "#ffffff"},
	sim.Running:      {stateHue[sim.Running].hex(), "", "#ffffff"},
}

// svgHolderTones fill the GIL-holder ribbon, one tone per thread of the
// process in turn, so that hand-overs show as changes of tone.
var svgHolderTones = []string{"#2f2f2f", "#9a9a9a", "#5e5e5e", "#c8c8c8"}

// svgCSS is the style sheet of the timelines, shared by the SVG document
// and the HTML report: a rule for every state a run of any workload may
// draw, and for the states of resources and data (waiting for a resource,
// pickling) when seen says they are drawn.
func svgCSS(seen [nStates]bool) string {
	var b strings.Builder
	b.WriteString(".tl text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;font-size:12px;fill:#222}\n")
	b.WriteString(".tl .model{font-size:14px;font-weight:600}\n.tl .note{fill:#666;font-style:italic}\n")
	b.WriteString(".tl .lbl{fill:#333}\n.tl .head{fill:#555;font-size:11px;font-weight:600}\n.tl .tick{fill:#555;font-size:11px}\n")
	b.WriteString(".tl .grid{stroke:#ececec;stroke-width:1}\n.tl .axis{stroke:#888;stroke-width:1}\n")
	b.WriteString(".tl .end{stroke:#444;stroke-width:1;stroke-dasharray:3 3}\n.tl .band{fill:#f6f7f9}\n.tl .track{fill:#f1f1f1}\n")
	b.WriteString(".tl .in{font-size:11px;pointer-events:none}\n")
	for s, st := range svgStates {
		if st.fill == "" || s > int(sim.Overhead) && !seen[s] {
			continue
		}
		fmt.Fprintf(&b, ".tl .s%d{fill:%s", s, st.fill)
		if st.stroke != "" {
			fmt.Fprintf(&b, ";stroke:%s;stroke-width:1", st.stroke)
		}
		fmt.Fprintf(&b, "}\n.tl .t%d{fill:%s}\n", s, st.text)
	}
	for i, tone := range svgHolderTones {
		fmt.Fprintf(&b, ".tl .g%d{fill:%s}\n", i, tone)
	}
	b.WriteString(".tl rect:hover{opacity:.8}\n")
	return b.String()
}

// SVG draws runs as one SVG picture: per model a block with its title, one
// row per lane (thread, event loop, process) grouped by process, a ribbon
// showing which thread of a process holds the GIL, for asyncio one row per
// task (one row for all of them beyond 16 tasks) and under it its child
// tasks, a row per resource (its units in use, and a strip while tasks
// wait for one; who holds, on hover), a time axis; and a legend
// at the bottom. The rows are TimelineRows' (many lanes fold, as in the
// terminal). Every span carries a <title> for hover. A model with more than
// 200 lanes, a lane with more spans than the picture has room for (one per
// 2 px), or the models with the most spans until the others draw at most
// 12,000 spans in all, are aggregated into pixel columns and say so; so is
// a run whose spans were folded (Run.Folded), whose task rows are pixel
// columns too. Names from the workload are escaped.
func SVG(w io.Writer, runs []Run, opt SVGOptions) error {
	width, err := svgWidth(opt)
	if err != nil {
		return err
	}
	blocks, err := svgBlocks(runs, nil, width, opt)
	if err != nil {
		return err
	}
	var seen [nStates]bool
	ribbon := false
	height := svgPad
	for _, bl := range blocks {
		height += bl.height() + svgPad
		for s, ok := range bl.seen {
			seen[s] = seen[s] || ok
		}
		ribbon = ribbon || bl.ribbon
	}
	legend := svgLegendItems(seen, ribbon, hasGIL(runs), resourceNames(runs...))
	legendH, legendSVG := svgLegend(legend, width)
	height += legendH

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="tl" width="%d" height="%s" viewBox="0 0 %d %s">`+"\n",
		width, px(height), width, px(height))
	b.WriteString("<style>\n" + svgCSS(seen) + "</style>\n")
	fmt.Fprintf(&b, `<rect width="%d" height="%s" fill="#fff"/>`+"\n", width, px(height))
	y := svgPad
	for _, bl := range blocks {
		fmt.Fprintf(&b, `<g transform="translate(0,%s)">`+"\n", px(y))
		bl.draw(&b)
		b.WriteString("</g>\n")
		y += bl.height() + svgPad
	}
	fmt.Fprintf(&b, `<g transform="translate(0,%s)">`+"\n", px(y))
	b.WriteString(legendSVG)
	b.WriteString("</g>\n</svg>\n")
	_, err = io.WriteString(w, b.String())
	return err
}

func svgWidth(opt SVGOptions) (int, error) {
	switch {
	case opt.Width == 0:
		return DefaultSVGWidth, nil
	case opt.Width < MinSVGWidth:
		return 0, fmt.Errorf("report: SVG width %d is too narrow (want at least %d)", opt.Width, MinSVGWidth)
	}
	return opt.Width, nil
}

// svgBlocks lays out the timeline of every run. wl, when set, names tasks
// whose records were not kept.
func svgBlocks(runs []Run, wl *workload.Workload, width int, opt SVGOptions) ([]*svgBlock, error) {
	var axis int64
	for i, run := range runs {
		if run.Result == nil {
			return nil, fmt.Errorf("report: run %d has no result", i+1)
		}
		axis = max(axis, run.Result.Makespan)
	}
	// Lay out on the narrowest plot, then widen the plot to what the
	// labels leave: the label column fits the longest label of all runs,
	// within a quarter of the picture.
	most := float64(width) / 4
	blocks := make([]*svgBlock, len(runs))
	agg := aggregated(runs, width)
	nAgg := 0
	for _, a := range agg {
		if a {
			nAgg++
		}
	}
	shapes := max(minSVGShapes, maxSVGShapes/max(nAgg, 1))
	n := 8
	for i, run := range runs {
		m := axis
		if opt.SeparateAxes {
			m = run.Result.Makespan
		}
		blocks[i] = newSVGBlock(run, wl, m, most, float64(width)-most-svgPad, agg[i], shapes)
		for _, row := range blocks[i].rows {
			if row.kind == rowLane || row.kind == rowTask {
				n = max(n, utf8.RuneCountInString(row.src.Label(math.MaxInt))+1)
			}
			if row.kind == rowResource {
				n = max(n, utf8.RuneCountInString(row.label)+1)
			}
		}
	}
	labelW := min(svgPad+float64(n)*svgCharW+16, most)
	for _, bl := range blocks {
		bl.labelW, bl.plotW = labelW, float64(width)-labelW-svgPad
	}
	return blocks, nil
}

// aggregated decides which runs are drawn aggregated: those with more than
// maxSVGLanes lanes or a lane with more spans than the picture has pixels
// for (one every 2 px), then the ones with the most spans until the others
// together draw at most maxSVGSpans.
func aggregated(runs []Run, width int) []bool {
	agg := make([]bool, len(runs))
	count := make([]int, len(runs))
	total := 0
	for i, run := range runs {
		if run.Folded != nil {
			agg[i] = true // too many spans to draw one by one
			continue
		}
		if run.Spans == nil {
			continue
		}
		perLane := map[int32]int{}
		for _, s := range run.Spans.Lanes {
			perLane[s.Lane]++
		}
		dense := false
		for _, n := range perLane {
			dense = dense || n > width/2
		}
		if dense || len(run.Result.Lanes) > maxSVGLanes {
			agg[i] = true
			continue
		}
		count[i] = len(run.Spans.Lanes)
		if hasLoop(run.Result) && taskRowsFit(run.Spans) {
			count[i] += len(run.Spans.Tasks)
		}
		total += count[i]
	}
	for total > maxSVGSpans {
		big := -1
		for i := range runs {
			if !agg[i] && (big < 0 || count[i] > count[big]) {
				big = i
			}
		}
		agg[big] = true
		total -= count[big]
	}
	return agg
}

// hasLoop says whether a run has an event loop, whose tasks get rows.
func hasLoop(r *sim.Result) bool {
	for _, l := range r.Lanes {
		if l.Kind == sim.LoopThread {
			return true
		}
	}
	return false
}

// taskRowsFit says whether the tasks are few enough for a row each.
func taskRowsFit(rec *sim.Recorder) bool {
	for _, s := range rec.Tasks {
		if s.Task >= maxTaskRows {
			return false
		}
	}
	return true
}

// rowKind says what a row of a timeline block is.
type rowKind uint8

const (
	rowLane     rowKind = iota // a thread, an event loop, a process
	rowTask                    // an asyncio task, or all of them together
	rowRibbon                  // which thread of a process holds the GIL
	rowHeading                 // the name of a process
	rowResource                // a resource: its units in use, and the tasks waiting for one
)

// svgRow is one row of a block with the shapes drawn in it.
type svgRow struct {
	kind  rowKind
	src   Row    // the timeline's row it draws (lanes and tasks)
	label string // headings: the text
	tip   string // the row's name in titles
	segs  []svgSeg
	band  bool           // a process group shaded behind (on headings)
	res   *resourceTrack // a resource's row: its track
}

// svgSeg is one shape: a span, or a run of pixel columns of one state.
type svgSeg struct {
	start, end int64
	state      sim.State
	task       int32  // the task of a span, or -1
	tone       int    // ribbon: the holder's tone
	holder     string // ribbon: the holder's name
	mostly     bool   // aggregated: the dominant state of the columns
}

// svgBlock is the laid-out timeline of one run.
type svgBlock struct {
	res      *sim.Result
	tl       *TimelineRows
	title    string
	notes    []string
	rows     []svgRow
	axis     int64 // time at the right end of the plot
	labelW   float64
	plotW    float64
	seen     [nStates]bool
	ribbon   bool
	gil      bool
	aggLanes bool
	folded   *Folded // the spans folded to columns, when there were too many
	noTitle  bool    // the page around it names the model (HTML)
	shapes   int     // the most shapes when aggregated, about
}

func newSVGBlock(run Run, wl *workload.Workload, axis int64, labelW, plotW float64, aggregate bool, shapes int) *svgBlock {
	r := run.Result
	bl := &svgBlock{
		res:      r,
		axis:     axis,
		labelW:   labelW,
		plotW:    plotW,
		gil:      runHasGIL(run),
		aggLanes: aggregate,
		folded:   run.Folded,
		shapes:   shapes,
	}
	bl.title = fmt.Sprintf("%s · makespan %s · %s · %s", r.Model, Seconds(r.Makespan), numfmt.Count(r.Tasks, "task", "tasks"), numfmt.Count(len(r.Lanes), "lane", "lanes"))
	switch {
	case run.Spans == nil && run.Folded == nil:
		bl.notes = append(bl.notes, "no timeline: spans were not recorded for this run")
		return bl
	case axis <= 0:
		bl.notes = append(bl.notes, "nothing to draw: the makespan is zero")
		return bl
	}
	bl.tl = newTimelineRows(run, wl, axis, drawnLimits)
	bl.layout()
	if tracks := resourceTracks(run, r.Makespan); len(tracks) > 0 {
		bl.rows = append(bl.rows, svgRow{kind: rowHeading, label: "resources (units in use; waiting tasks above)"})
		for i := range tracks {
			bl.rows = append(bl.rows, svgRow{kind: rowResource, label: tracks[i].name, tip: tracks[i].name, res: &tracks[i]})
		}
	}
	for _, row := range bl.rows {
		for _, sg := range row.segs {
			if row.kind != rowRibbon {
				bl.seen[sg.state] = true
			}
		}
		bl.ribbon = bl.ribbon || row.kind == rowRibbon && len(row.segs) > 0
	}
	return bl
}

// layout builds the rows of the block from the timeline's rows.
func (bl *svgBlock) layout() {
	tl := bl.tl
	drawn := 0
	if f := bl.folded; f != nil {
		drawn = f.drawn
		if !tl.allTasks {
			drawn += f.tasked
		}
	} else {
		for _, s := range tl.rec.Lanes {
			if s.State != sim.Idle && int(s.State) < nStates {
				drawn++
			}
		}
		if !tl.allTasks {
			drawn += len(tl.rec.Tasks)
		}
	}
	if !bl.aggLanes {
		tl.build(max(1, int(bl.plotW/2)))
		bl.rows = bl.rowsOf(0)
		return
	}
	// Coarser columns until the picture is small enough.
	for colPx := 2.0; ; colPx *= 2 {
		tl.build(max(1, int(bl.plotW/colPx)))
		rows := bl.rowsOf(colPx)
		n := 0
		for _, row := range rows {
			n += len(row.segs)
		}
		if n <= bl.shapes || colPx >= 32 {
			bl.rows = rows
			break
		}
	}
	bl.notes = append(bl.notes, fmt.Sprintf("aggregated (%s, %s spans): each pixel column shows its dominant state",
		numfmt.Count(len(tl.lanes), "lane", "lanes"), numfmt.Thousands(drawn)))
}

// rowsOf draws the timeline's rows: a ribbon over the lanes of each
// process of several threads that has a GIL, lanes span by span unless
// the block is aggregated (then, like the rows of everything, in the
// columns of the rows, colPx wide), tasks span by span unless their spans
// were folded.
func (bl *svgBlock) rowsOf(colPx float64) []svgRow {
	tl := bl.tl
	var rows []svgRow
	g := &grid{m: tl.axis, cols: tl.cols}
	columns := func(row Row) []svgSeg { return bl.cellSegs(g, tl.Cells(row)) }
	spans := func(row Row) []svgSeg {
		var segs []svgSeg
		for _, s := range tl.Spans(row) {
			if s.State != sim.Idle && int(s.State) < nStates {
				segs = append(segs, svgSeg{start: s.Start, end: s.End, state: s.State, task: s.Task})
			}
		}
		return segs
	}
	proc := -1 // the process of the last lane row
	for _, row := range tl.Rows {
		switch row.Kind {
		case HeadingRow:
			rows = append(rows, svgRow{kind: rowHeading, label: row.Name, band: row.Process >= 0})
		case LaneRow:
			if row.Process != proc && tl.gilTrack(row.Process, bl.gil) {
				rows = append(rows, bl.ribbonRow(row.Process, colPx))
			}
			proc = row.Process
			r := svgRow{kind: rowLane, src: row, tip: row.Title()}
			if bl.aggLanes {
				r.segs = columns(row)
			} else {
				r.segs = spans(row)
			}
			rows = append(rows, r)
		case TaskRow:
			r := svgRow{kind: rowTask, src: row, tip: row.Title()}
			if bl.folded != nil {
				r.segs = columns(row)
			} else {
				r.segs = spans(row)
			}
			rows = append(rows, r)
		case AllLanesRow, AllTasksRow:
			kind := rowLane
			if row.Kind == AllTasksRow {
				kind = rowTask
			}
			rows = append(rows,
				svgRow{kind: rowHeading, label: row.Note + ":"},
				svgRow{kind: kind, src: row, tip: row.Title(), segs: columns(row)})
		}
	}
	return rows
}

// ribbonRow is the GIL-holder ribbon of process p: who runs Python code
// (or runtime overhead, which holds the GIL too) when, among all its
// lanes, shown or not. colPx > 0 reduces it to pixel columns of that
// width, each showing its main holder.
func (bl *svgBlock) ribbonRow(p int, colPx float64) svgRow {
	tl := bl.tl
	lanes := tl.lanes
	row := svgRow{kind: rowRibbon, label: "GIL", tip: ProcessName(p) + " · GIL"}
	holds := tl.gilHolds(p)
	tone := map[int]int{}
	for i, l := range lanes {
		if l.Process == p {
			tone[i] = len(tone) % len(svgHolderTones)
		}
	}
	add := func(h hold) {
		if n := len(row.segs); n > 0 && row.segs[n-1].holder == lanes[h.lane].Name && row.segs[n-1].end >= h.start {
			row.segs[n-1].end = max(row.segs[n-1].end, h.end)
			return
		}
		row.segs = append(row.segs, svgSeg{start: h.start, end: h.end, state: sim.Working, task: -1, tone: tone[h.lane], holder: clean(lanes[h.lane].Name)})
	}
	if colPx <= 0 {
		for _, h := range holds {
			add(h)
		}
		return row
	}
	// Each column goes to the lane that held the GIL longest in it.
	g := &grid{m: tl.axis, cols: tl.cols}
	if bl.folded != nil {
		bl.foldedRibbon(&row, lanes, p, g, add)
		return row
	}
	cover := map[int]int64{}
	j := 0
	for c := range g.cols {
		lo, hi := g.at(c), g.at(c+1)
		clear(cover)
		for j < len(holds) && holds[j].end <= lo {
			j++
		}
		for i := j; i < len(holds) && holds[i].start < hi; i++ {
			if d := min(hi, holds[i].end) - max(lo, holds[i].start); d > 0 {
				cover[holds[i].lane] += d
			}
		}
		best, most := -1, int64(0)
		for lane, d := range cover {
			if d > most || d == most && lane < best {
				best, most = lane, d
			}
		}
		if best >= 0 {
			add(hold{lo, hi, best})
			row.segs[len(row.segs)-1].mostly = true
		}
	}
	return row
}

// foldedRibbon fills the ribbon of process p, columns of g, from the
// folded spans: each column goes to the lane that held the GIL longest in it.
func (bl *svgBlock) foldedRibbon(row *svgRow, lanes []sim.Lane, p int, g *grid, add func(hold)) {
	held := map[int]*grid{}
	for i, l := range lanes {
		if l.Process == p {
			lg := newGrid(g.m, g.cols)
			lg.merge(bl.folded.lane(l.ID))
			held[i] = lg
		}
	}
	for c := range g.cols {
		best, most := -1, int64(0)
		for i, lg := range held {
			var d int64
			for s, cover := range lg.cover[c] {
				if holdsGIL(sim.State(s)) {
					d += cover
				}
			}
			if d > most || d == most && d > 0 && i < best {
				best, most = i, d
			}
		}
		if best >= 0 {
			add(hold{g.at(c), g.at(c + 1), best})
			row.segs[len(row.segs)-1].mostly = true
		}
	}
}

// cellSegs turns a row of columns into shapes, one per run of a state.
func (bl *svgBlock) cellSegs(g *grid, cells []sim.State) []svgSeg {
	var segs []svgSeg
	for c := 0; c < len(cells); {
		s := cells[c]
		e := c
		for e < len(cells) && cells[e] == s {
			e++
		}
		if s != sim.Idle {
			segs = append(segs, svgSeg{start: g.at(c), end: g.at(e), state: s, task: -1, mostly: true})
		}
		c = e
	}
	return segs
}

// rowHeight is the height of a row of kind k.
func rowHeight(k rowKind) float64 {
	switch k {
	case rowRibbon:
		return svgRibbonH
	case rowHeading:
		return svgHeadH
	}
	return svgRowH
}

// height is the block's height in pixels.
func (bl *svgBlock) height() float64 {
	h := bl.top()
	for _, row := range bl.rows {
		h += rowHeight(row.kind) + svgRowGap
	}
	if len(bl.rows) > 0 {
		h += svgAxisH
	}
	return h
}

// top is where the rows start, under the title and the notes.
func (bl *svgBlock) top() float64 {
	if bl.noTitle {
		return 8 + 14*float64(len(bl.notes))
	}
	return svgTitleH + 14*float64(len(bl.notes))
}

// x is the horizontal position of instant t.
func (bl *svgBlock) x(t int64) float64 {
	return bl.labelW + bl.plotW*float64(t)/float64(bl.axis)
}

// draw writes the block's shapes, from y = 0 down.
func (bl *svgBlock) draw(b *strings.Builder) {
	noteY := 30.0
	if bl.noTitle {
		noteY = 12
	} else {
		fmt.Fprintf(b, `<text class="model" x="%s" y="14">%s</text>`+"\n", px(svgPad), textsafe.Markup(bl.title))
	}
	for i, n := range bl.notes {
		fmt.Fprintf(b, `<text class="note" x="%s" y="%s">%s</text>`+"\n", px(svgPad), px(noteY+float64(14*i)), textsafe.Markup(n))
	}
	y := bl.top()
	if len(bl.rows) == 0 {
		return
	}
	top := y
	rowsH := 0.0
	for _, row := range bl.rows {
		rowsH += rowHeight(row.kind) + svgRowGap
	}

	// Process bands, then the grid of ticks, behind the spans.
	yy := top
	groups := 0
	for i, row := range bl.rows {
		if row.kind == rowHeading && row.band {
			groups++
		}
		if row.kind == rowHeading && row.band && groups%2 == 1 {
			h := 0.0
			for _, r2 := range bl.rows[i:] {
				if r2.kind == rowHeading && h > 0 {
					break
				}
				h += rowHeight(r2.kind) + svgRowGap
			}
			fmt.Fprintf(b, `<rect class="band" x="%s" y="%s" width="%s" height="%s"/>`+"\n",
				px(svgPad/2), px(yy-svgRowGap/2), px(bl.labelW+bl.plotW-svgPad/2), px(h))
		}
		yy += rowHeight(row.kind) + svgRowGap
	}
	step, unit, unitName := bl.ticks()
	for t := int64(0); t <= bl.axis; t += step {
		x := bl.x(t)
		fmt.Fprintf(b, `<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n", px(x), px(top-2), px(x), px(top+rowsH))
	}

	for _, row := range bl.rows {
		h := rowHeight(row.kind)
		switch row.kind {
		case rowHeading:
			fmt.Fprintf(b, `<text class="head" x="%s" y="%s">%s</text>`+"\n", px(svgPad), px(y+h-5), textsafe.Markup(row.label))
		case rowRibbon:
			fmt.Fprintf(b, `<rect class="track" x="%s" y="%s" width="%s" height="%s"/>`+"\n", px(bl.labelW), px(y), px(bl.plotW), px(h))
			fmt.Fprintf(b, `<text class="head" x="%s" y="%s" text-anchor="end">GIL</text>`+"\n", px(bl.labelW-6), px(y+h))
		case rowResource:
			label := textsafe.Cut(row.label, max(1, int((bl.labelW-svgPad-8)/svgCharW)))
			fmt.Fprintf(b, `<text class="lbl" x="%s" y="%s">%s</text>`+"\n", px(svgPad), px(y+h-4), textsafe.Markup(label))
			bl.drawResource(b, row, y, h)
			y += h + svgRowGap
			continue
		default:
			indent := svgPad
			if row.kind == rowTask {
				indent += 10
			}
			label := row.src.Label(max(1, int((bl.labelW-indent-8)/svgCharW)))
			// A branch's label is indented with spaces, which SVG text
			// would collapse: they move it instead.
			trimmed := strings.TrimLeft(label, " ")
			indent += float64(len(label)-len(trimmed)) * svgCharW
			label = trimmed
			fmt.Fprintf(b, `<text class="lbl" x="%s" y="%s">%s</text>`+"\n", px(indent), px(y+h-4), textsafe.Markup(label))
		}
		bl.drawSegs(b, row, y, h)
		y += h + svgRowGap
	}
	bl.drawAxis(b, y, step, unit, unitName)
}

// drawResource draws a resource's row at height y: per step a bar from the
// bottom, as high as the share of its units in use, and above it a strip
// in the colour of waiting for a resource while tasks wait; each says on
// hover who holds the units and how many wait.
func (bl *svgBlock) drawResource(b *strings.Builder, row svgRow, y, h float64) {
	tr := row.res
	fmt.Fprintf(b, `<rect class="track" x="%s" y="%s" width="%s" height="%s"/>`+"\n", px(bl.labelW), px(y), px(bl.plotW), px(h))
	wait := svgStates[sim.ResourceWait]
	barH := h - 4 // the strip of waiting tasks takes the top 4 px
	for _, st := range tr.steps {
		x0, x1 := bl.x(st.start), bl.x(min(st.end, bl.axis))
		w := max(x1-x0, 0.6)
		title := bl.resourceTitle(tr, st)
		if st.held > 0 {
			bh := barH * float64(min(st.held, tr.capacity)) / float64(max(tr.capacity, 1))
			fmt.Fprintf(b, `<rect fill="#8e82b8" x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`+"\n",
				px(x0), px(y+h-bh), px(w), px(bh), textsafe.Markup(title))
		}
		if st.wait > 0 {
			fmt.Fprintf(b, `<rect fill="%s" stroke="%s" stroke-width="0.5" x="%s" y="%s" width="%s" height="3"><title>%s</title></rect>`+"\n",
				wait.stroke, wait.text, px(x0), px(y), px(w), textsafe.Markup(title))
		}
	}
}

// resourceTitle says what a step of a resource's track was: "db · 2 of 2
// units in use, by req-1 and req-2 · 3 tasks waiting · 10.0–20.0 ms".
func (bl *svgBlock) resourceTitle(tr *resourceTrack, st resourceStep) string {
	var b strings.Builder
	b.WriteString(tr.name + " · ")
	if st.peak {
		b.WriteString("up to ")
	}
	fmt.Fprintf(&b, "%d of %d in use", st.held, tr.capacity)
	if len(st.holders) > 0 {
		names := make([]string, 0, 4)
		for i, id := range st.holders {
			if i == 3 {
				names = append(names, fmt.Sprintf("%d more", len(st.holders)-3))
				break
			}
			names = append(names, bl.tl.TaskName(id))
		}
		b.WriteString(", by " + strings.Join(names, ", "))
	}
	if st.wait > 0 {
		b.WriteString(" · ")
		if st.peak {
			b.WriteString("up to ")
		}
		b.WriteString(numfmt.Count(st.wait, "task", "tasks") + " waiting")
	}
	b.WriteString(" " + spanTimes(st.start, st.end))
	return b.String()
}

// drawSegs draws the shapes of one row at height y.
func (bl *svgBlock) drawSegs(b *strings.Builder, row svgRow, y, h float64) {
	who := row.tip
	for _, sg := range row.segs {
		x0, x1 := bl.x(sg.start), bl.x(min(sg.end, bl.axis))
		w := max(x1-x0, 0.6) // a sliver still shows
		if row.kind == rowRibbon {
			w = max(w, 1) // a hand-over too, against its neighbours' tones
		}
		var title string
		class := "s" + strconv.Itoa(int(sg.state))
		switch {
		case row.kind == rowRibbon:
			class = "g" + strconv.Itoa(sg.tone)
			what := "holds the GIL"
			if sg.mostly {
				what = "mostly holds the GIL"
			}
			title = fmt.Sprintf("%s · %s %s %s", who, sg.holder, what, spanTimes(sg.start, sg.end))
		case sg.mostly:
			title = fmt.Sprintf("%s · mostly %s %s", who, sg.state, spanTimes(sg.start, sg.end))
		case sg.task >= 0 && row.kind == rowLane:
			title = fmt.Sprintf("%s · %s · %s %s %s", who, bl.tl.TaskName(sg.task), sg.state, Seconds(sg.end-sg.start), spanTimes(sg.start, sg.end))
		default:
			title = fmt.Sprintf("%s · %s %s %s", who, sg.state, Seconds(sg.end-sg.start), spanTimes(sg.start, sg.end))
		}
		fmt.Fprintf(b, `<rect class="%s" x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`+"\n",
			class, px(x0), px(y), px(w), px(h), textsafe.Markup(title))
		if row.kind == rowLane && sg.task >= 0 && !sg.mostly {
			name := bl.tl.TaskName(sg.task)
			if tw := float64(utf8.RuneCountInString(name))*svgCharW*0.9 + 6; tw <= w {
				fmt.Fprintf(b, `<text class="in t%d" x="%s" y="%s" text-anchor="middle">%s</text>`+"\n",
					int(sg.state), px(x0+w/2), px(y+h-4), textsafe.Markup(name))
			}
		}
	}
}

// ticks chooses the axis step (1, 2 or 5 × 10^k ns) for about one label
// every svgMaxTick pixels, and the unit of its labels.
func (bl *svgBlock) ticks() (step, unit int64, unitName string) {
	step = tickStep(bl.axis, max(1, int(bl.plotW/svgMaxTick)))
	unit, unitName = axisUnit(bl.axis)
	if unitName == "µs" || unitName == "ns" {
		unit, unitName = 1e3, "µs"
		if bl.axis < 1e3 {
			unit, unitName = 1, "ns"
		}
	}
	return step, unit, unitName
}

// drawAxis draws the time axis at height y: a line, ticks and labels, and
// a mark at the makespan when the axis runs past it.
func (bl *svgBlock) drawAxis(b *strings.Builder, y float64, step, unit int64, unitName string) {
	fmt.Fprintf(b, `<line class="axis" x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n", px(bl.labelW), px(y), px(bl.labelW+bl.plotW), px(y))
	for t := int64(0); t <= bl.axis; t += step {
		x := bl.x(t)
		label := strconv.FormatFloat(float64(t)/float64(unit), 'f', -1, 64) + " " + unitName
		anchor := "middle"
		if t > 0 && bl.axis-t < step/2 {
			anchor = "end"
		}
		fmt.Fprintf(b, `<line class="axis" x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n", px(x), px(y), px(x), px(y+4))
		fmt.Fprintf(b, `<text class="tick" x="%s" y="%s" text-anchor="%s">%s</text>`+"\n", px(x), px(y+16), anchor, textsafe.Markup(label))
	}
	if m := bl.res.Makespan; m > 0 && m < bl.axis {
		x := bl.x(m)
		top := y - 4
		for _, row := range bl.rows {
			top -= rowHeight(row.kind) + svgRowGap
		}
		fmt.Fprintf(b, `<line class="end" x1="%s" y1="%s" x2="%s" y2="%s"><title>%s</title></line>`+"\n",
			px(x), px(top), px(x), px(y), textsafe.Markup("makespan "+Seconds(m)))
	}
}

// svgLegendItem is one entry of the legend.
type svgLegendItem struct {
	Class, Text string
}

// svgLegendItems lists the states drawn, in the terminal legend's order,
// and the ribbon when one was drawn.
func svgLegendItems(seen [nStates]bool, ribbon, gil bool, res []string) []svgLegendItem {
	var items []svgLegendItem
	for _, s := range legendOrder {
		if seen[s] {
			items = append(items, svgLegendItem{Class: "s" + strconv.Itoa(int(s)), Text: legendWords(s, gil, res)})
		}
	}
	if ribbon {
		items = append(items, svgLegendItem{Class: "g0", Text: "GIL holder (a tone per thread)"})
	}
	return items
}

// svgLegend draws the legend, wrapped to the width, and returns its height.
func svgLegend(items []svgLegendItem, width int) (float64, string) {
	var b strings.Builder
	x, y := svgPad, 0.0
	for _, it := range items {
		w := 22 + float64(utf8.RuneCountInString(it.Text))*6.6 + 18
		if x > svgPad && x+w > float64(width)-svgPad {
			x, y = svgPad, y+20
		}
		fmt.Fprintf(&b, `<rect class="key %s" x="%s" y="%s" width="16" height="12"/>`+"\n", it.Class, px(x), px(y))
		fmt.Fprintf(&b, `<text x="%s" y="%s">%s</text>`+"\n", px(x+22), px(y+11), textsafe.Markup(it.Text))
		x += w
	}
	if len(items) == 0 {
		return 0, ""
	}
	return y + 12 + svgPad, b.String()
}

// runHasGIL says whether a run's runtime has a GIL: its profile says so,
// it is cpython, or a thread waited for the GIL.
func runHasGIL(run Run) bool {
	r := run.Result
	if r.GIL || r.Runtime == "" || r.Runtime == defaultRuntimeID {
		return true
	}
	if run.Spans != nil {
		for _, s := range run.Spans.Lanes {
			if s.State == sim.GILWait {
				return true
			}
		}
	}
	return run.Folded != nil && run.Folded.gilWait
}

// hasGIL says whether any of the runs has a GIL, for the legend's words.
func hasGIL(runs []Run) bool {
	for _, run := range runs {
		if run.Result != nil && runHasGIL(run) {
			return true
		}
	}
	return false
}

// spanTimes writes "(0.000–2.000 s)" in the largest unit that fits the
// end, with as many decimals as it takes to tell start from end.
func spanTimes(start, end int64) string {
	unit, name := float64(1e9), "s"
	switch {
	case end < 1e3:
		unit, name = 1, "ns"
	case end < 1e6:
		unit, name = 1e3, "µs"
	case end < 1e9:
		unit, name = 1e6, "ms"
	}
	d := 3
	a, b := strconv.FormatFloat(float64(start)/unit, 'f', d, 64), strconv.FormatFloat(float64(end)/unit, 'f', d, 64)
	for a == b && start != end && d < 9 {
		d++
		a, b = strconv.FormatFloat(float64(start)/unit, 'f', d, 64), strconv.FormatFloat(float64(end)/unit, 'f', d, 64)
	}
	return "(" + a + "–" + b + " " + name + ")"
}

// px formats a coordinate with at most two decimals.
func px(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

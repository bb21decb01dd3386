package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/textsafe"
)

// The HTML report's page and style sheet, embedded so that the report is
// one file that needs no network.
var (
	//go:embed assets/report.html.tmpl
	htmlPage string
	//go:embed assets/report.css
	htmlCSS  string
	htmlTmpl = template.Must(template.New("report").Parse(htmlPage))
)

// HTMLOptions controls the HTML report.
type HTMLOptions struct {
	SVG SVGOptions // the timelines' width and time axes
	// Source is the workload as the user wrote it (a YAML file or the
	// inline form), shown at the end of the report; SourceName says what
	// it is, e.g. the file's name.
	Source     []byte
	SourceName string
	// SwitchInterval is the GIL switch interval the runs used, for the
	// header; 0 leaves it out.
	SwitchInterval int64
	// Narrate, when set, tells each run as a story, shown beside its
	// timeline. (Package explain tells stories; it uses this package, so
	// the caller brings the two together.)
	Narrate Narrator
}

// Narrator tells what happened in a run of a workload, line by line.
type Narrator func(wl *workload.Workload, run Run) []StoryLine

// StoryLine is one line of a run's story.
type StoryLine struct {
	At    int64  // when it happens, in nanoseconds of virtual time
	Text  string // the sentence
	Warn  bool   // something the reader should fix or know
	Count int    // how many events the line stands for (> 1 when folded)
}

// htmlData is what the page template shows.
type htmlData struct {
	Name, About string
	Facts       []string
	CSS         template.CSS
	Heads       []string
	Models      []htmlModel
	Legend      []svgLegendItem
	AxisNote    string
	HasStory    bool
	Source      string
	SourceName  string
}

// htmlModel is one model's row, timeline and story.
type htmlModel struct {
	ID       int
	Name     string
	Makespan string
	Counts   string // tasks and lanes
	Cells    []string
	SVG      template.HTML
	Story    []htmlLine
}

// htmlLine is one line of a story.
type htmlLine struct {
	At   string
	Text string
	Warn bool
}

// HTML writes a report of runs of wl as one self-contained HTML page that
// can be opened offline or mailed: the workload's name, description and
// facts; the summary table (the columns of Table), each row linking to its
// model's timeline; every model's timeline as an inline SVG, all on one
// time axis unless opt.SVG.SeparateAxes, with a legend; what happened in
// each run, told line by line, linked to and from its timeline; and the
// workload's source. Everything from the workload is escaped.
func HTML(w io.Writer, wl *workload.Workload, runs []Run, opt HTMLOptions) error {
	width, err := svgWidth(opt.SVG)
	if err != nil {
		return err
	}
	blocks, err := svgBlocks(runs, wl, width, opt.SVG)
	if err != nil {
		return err
	}
	var drawn [nStates]bool
	for _, bl := range blocks {
		for s, ok := range bl.seen {
			drawn[s] = drawn[s] || ok
		}
	}
	d := htmlData{
		CSS:        template.CSS(htmlCSS + svgCSS(drawn) + legendCSS(drawn)),
		Source:     string(opt.Source),
		SourceName: opt.SourceName,
		AxisNote:   "All models share one time axis, so that their lengths compare.",
	}
	if opt.SVG.SeparateAxes {
		d.AxisNote = "Each model is drawn over its own makespan."
	}
	if d.SourceName == "" {
		d.SourceName = "source"
	}
	if wl != nil {
		d.Name, d.About = wl.Name, wl.About
	}
	if d.Name == "" {
		d.Name = "workload"
	}
	if len(runs) > 0 {
		r := runs[0].Result
		if r.Runtime != "" {
			d.Facts = append(d.Facts, "runtime "+r.Runtime)
		}
		if r.Cores > 0 {
			d.Facts = append(d.Facts, numfmt.Count(r.Cores, "core", "cores"))
		}
		if opt.SwitchInterval > 0 {
			d.Facts = append(d.Facts, "switch interval "+workload.FormatDuration(opt.SwitchInterval))
		}
		if wl != nil && wl.NumTasks() > 0 {
			d.Facts = append(d.Facts, numfmt.Thousands(wl.NumTasks())+" tasks")
		}
		d.Facts = append(d.Facts, numfmt.Count(len(runs), "model", "models"))
	}
	for _, c := range tableColumns {
		d.Heads = append(d.Heads, c.head)
	}
	var seen [nStates]bool
	ribbon := false
	for i, run := range runs {
		bl := blocks[i]
		var svg strings.Builder
		bl.noTitle = true
		h := bl.height()
		fmt.Fprintf(&svg, `<svg class="tl" width="%d" height="%s" viewBox="0 0 %d %s" role="img" aria-label="%s">`+"\n",
			width, px(h), width, px(h), textsafe.Markup("timeline of "+run.Result.Model))
		bl.draw(&svg)
		svg.WriteString("</svg>")
		m := htmlModel{
			ID:       i + 1,
			Name:     run.Result.Model,
			Makespan: Seconds(run.Result.Makespan),
			Counts:   numfmt.Count(run.Result.Tasks, "task", "tasks") + " · " + numfmt.Count(len(run.Result.Lanes), "lane", "lanes"),
			Cells:    tableCells(run.Result),
			// The SVG's text is escaped by esc as it is written.
			SVG:   template.HTML(svg.String()),
			Story: htmlStory(opt.Narrate, wl, run),
		}
		d.HasStory = d.HasStory || len(m.Story) > 0
		d.Models = append(d.Models, m)
		for s, ok := range bl.seen {
			seen[s] = seen[s] || ok
		}
		ribbon = ribbon || bl.ribbon
	}
	d.Legend = svgLegendItems(seen, ribbon, hasGIL(runs), resourceNames(runs...))

	var buf bytes.Buffer
	if err := htmlTmpl.Execute(&buf, d); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// tableCells are a run's cells in the summary table, the columns of
// tableColumns.
func tableCells(r *sim.Result) []string {
	return []string{
		r.Model,
		Seconds(r.Makespan),
		Seconds(r.Latency.P50),
		Seconds(r.Latency.P99),
		numfmt.Percent(r.CPUUtilization),
		Seconds(r.GILWait),
		strconv.FormatInt(r.GILSwitches, 10),
		Seconds(r.LoopStallMax),
		strconv.Itoa(r.PeakThreads),
		Bytes(r.PeakMemoryBytes),
		Bytes(r.PeakVirtualBytes),
	}
}

// legendCSS colours the legend's swatches like the timelines' shapes.
func legendCSS(seen [nStates]bool) string {
	var b strings.Builder
	for s, st := range svgStates {
		if st.fill == "" || s > int(sim.Overhead) && !seen[s] {
			continue
		}
		border := st.fill
		if st.stroke != "" {
			border = st.stroke
		}
		fmt.Fprintf(&b, ".sw.s%d{background:%s;border:1px solid %s}\n", s, st.fill, border)
	}
	fmt.Fprintf(&b, ".sw.g0{background:linear-gradient(90deg,%s 50%%,%s 50%%);height:6px}\n", svgHolderTones[0], svgHolderTones[1])
	return b.String()
}

// htmlStory tells run with narrate, formatted for the page.
func htmlStory(narrate Narrator, wl *workload.Workload, run Run) []htmlLine {
	if narrate == nil {
		return nil
	}
	lines := narrate(wl, run)
	out := make([]htmlLine, 0, len(lines))
	for _, l := range lines {
		out = append(out, htmlLine{At: clock(l.At), Text: clean(l.Text), Warn: l.Warn})
	}
	return out
}

// clock formats an instant of a story: seconds with three decimals.
func clock(ns int64) string {
	return strconv.FormatFloat(float64(ns)/1e9, 'f', 3, 64) + " s"
}

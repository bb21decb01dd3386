package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/conclab/conclab/explain"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/numfmt"
)

// runFormats are the values of run --format, in the order help lists them.
var runFormats = []string{"text", "json", "svg", "html", "trace"}

// validFormat reports whether f is one of runFormats.
func validFormat(f string) bool {
	for _, v := range runFormats {
		if f == v {
			return true
		}
	}
	return false
}

// formatList is "text, json, svg, html or trace".
func formatList() string {
	n := len(runFormats)
	return strings.Join(runFormats[:n-1], ", ") + " or " + runFormats[n-1]
}

// writePicture writes the svg, html or trace output of runs. text is the
// workload's source (nil for the inline form, given in o.inline).
func writePicture(w io.Writer, format string, wl *workload.Workload, text []byte, o *runOptions, p *plan.Plan, runs []report.Run) error {
	switch format {
	case "svg":
		return report.SVG(w, runs, report.SVGOptions{})
	case "trace":
		return report.Trace(w, wl, runs, report.TraceOptions{NoSpans: noSpans(p, runs)})
	}
	opt := report.HTMLOptions{Source: text, SourceName: wl.File, SwitchInterval: p.SwitchInterval, Narrate: narrate}
	if text == nil {
		opt.Source, opt.SourceName = []byte(o.inline), "inline workload (-e)"
	}
	return report.HTML(w, wl, runs, opt)
}

// narrate tells a run as explain does, for the HTML report.
func narrate(wl *workload.Workload, run report.Run) []report.StoryLine {
	if run.Folded != nil {
		return []report.StoryLine{{Text: fmt.Sprintf("The story is left out: this run made %s spans, and explain tells runs of at most %s.",
			numfmt.Thousands(run.Folded.Spans()), numfmt.Thousands(report.MaxSpans))}}
	}
	lines := explain.Narrate(wl, run.Result, run.Spans)
	out := make([]report.StoryLine, len(lines))
	for i, l := range lines {
		out[i] = report.StoryLine{At: l.At, Text: l.Text, Warn: l.Warn, Count: l.Count}
	}
	return out
}

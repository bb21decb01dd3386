package main

import (
	"io"
	"strings"

	"github.com/conclab/conclab/explain"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/workload"
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
	opt := report.HTMLOptions{Source: text, SourceName: wl.File, SwitchInterval: p.SwitchInterval, Narrate: explain.Story}
	if text == nil {
		opt.Source, opt.SourceName = []byte(o.inline), "inline workload (-e)"
	}
	return report.HTML(w, wl, runs, opt)
}

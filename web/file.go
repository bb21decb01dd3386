package web

import (
	"bytes"
	"context"
	"mime"
	"net/http"
	"strings"

	"github.com/conclab/conclab/explain"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"
)

// fileFormat is a format of `conclab run --format` the page can download.
type fileFormat struct {
	contentType string
	ext         string // the file name's ending
	spans       bool   // it draws the runs' spans
}

// formats are the files a run can be had as, by RunRequest.Format. Each
// is written by package report, as `conclab run --format` writes it.
var formats = map[string]fileFormat{
	"json":  {"application/json", ".json", false},
	"html":  {"text/html; charset=utf-8", ".html", true},
	"svg":   {"image/svg+xml", ".svg", true},
	"trace": {"application/json", ".trace.json", true},
}

// formatOrder lists the formats for messages.
var formatOrder = []string{"json", "html", "svg", "trace"}

// formatList is "json, html, svg or trace".
func formatList() string {
	n := len(formatOrder)
	return strings.Join(formatOrder[:n-1], ", ") + " or " + formatOrder[n-1]
}

// file is a run written in a file format: its bytes, their type and the
// name to save them under.
type file struct {
	body        []byte
	contentType string
	name        string
}

// write answers with f as a download.
func (f *file) write(w http.ResponseWriter) {
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.name}))
	writeBody(w, f.contentType, f.body)
}

// file simulates the run and writes it in the format req asks for, with
// the choices of `conclab run --format`: the JSON document lists the
// tasks unless NoTasks; the HTML report and the SVG draw every model on
// one time axis, fold the runs that make too many spans to keep and leave
// out the timelines of runs beyond the page's limits; the trace of a run
// beyond them has no spans and says why (report.TraceNote).
func (r *run) file(ctx context.Context, req *RunRequest) (*file, error) {
	ff := formats[req.Format]
	var fold func(*sim.Result, *report.SpanLimit, int64) (int64, int)
	if req.Format == "html" || req.Format == "svg" {
		fold = func(_ *sim.Result, _ *report.SpanLimit, axis int64) (int64, int) {
			return axis, report.SVGColumns(report.SVGOptions{})
		}
	}
	outs, err := r.simulate(ctx, ff.spans, fold)
	if err != nil {
		return nil, err
	}
	runs := make([]report.Run, len(outs))
	why := make([]string, len(outs))
	for i, o := range outs {
		runs[i], why[i] = o.run, o.noSpans
	}
	var b bytes.Buffer
	switch req.Format {
	case "json":
		err = report.JSON(&b, r.Header(), r.Workload, runs, !req.NoTasks)
	case "html":
		err = report.HTML(&b, r.Workload, runs, report.HTMLOptions{Source: []byte(req.YAML), SourceName: r.Workload.File,
			SwitchInterval: r.SwitchInterval, Narrate: explain.Story})
	case "svg":
		err = report.SVG(&b, runs, report.SVGOptions{})
	case "trace":
		err = report.Trace(&b, r.Workload, runs, report.TraceOptions{NoSpans: why})
	}
	if err != nil {
		return nil, err
	}
	return &file{body: b.Bytes(), contentType: ff.contentType, name: fileName(r.Workload.Name) + ff.ext}, nil
}

// fileName makes a workload's name a file's: letters, digits, '.', '-'
// and '_', the rest as '-'; "workload" when nothing is left.
func fileName(name string) string {
	var b strings.Builder
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.' && b.Len() > 0:
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
		if b.Len() >= 64 {
			break
		}
	}
	if s := strings.Trim(b.String(), "-."); s != "" {
		return s
	}
	return "workload"
}

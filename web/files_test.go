package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/conclab/conclab/advise"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/workload"
)

// TestRunFiles asks for a run in each file format of `conclab run
// --format` and checks what a download needs: the content type, a file
// name, and content that parses as its format says. The JSON document is
// byte for byte what `conclab run --format json` writes for the same plan.
func TestRunFiles(t *testing.T) {
	text := example(t, "seed-io")
	tests := []struct {
		format, contentType, name string
		check                     func(t *testing.T, body []byte)
	}{
		{"json", "application/json", "seed-io.json", func(t *testing.T, body []byte) {
			wl, err := workload.Parse("seed-io.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			p, err := plan.New(wl, []byte(text), plan.Overrides{})
			if err != nil {
				t.Fatal(err)
			}
			runs, err := p.Simulate(context.Background(), plan.Options{Records: true})
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := report.JSON(&want, p.Header(), wl, runs, true); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(body, want.Bytes()) {
				t.Errorf("the JSON file is not conclab run's document:\n got %.400s\nwant %.400s", body, want.Bytes())
			}
			var doc report.Document
			if err := json.Unmarshal(body, &doc); err != nil || len(doc.Results) != 3 || len(doc.Results[0].Tasks) != 3 {
				t.Errorf("document %+v (%v), want 3 results with their 3 tasks", doc, err)
			}
		}},
		{"html", "text/html; charset=utf-8", "seed-io.html", func(t *testing.T, body []byte) {
			page := string(body)
			if !strings.HasPrefix(strings.ToLower(page), "<!doctype html>") || !strings.Contains(page, "</html>") ||
				!strings.Contains(page, "<h1>seed-io</h1>") || !strings.Contains(page, "Three tasks that each wait 2 s") {
				t.Errorf("the HTML report does not look like one:\n%.600s", page)
			}
			svgs := regexp.MustCompile(`(?s)<svg class="tl".*?</svg>`).FindAllString(page, -1)
			if len(svgs) != 3 {
				t.Fatalf("%d timelines in the report, want 3", len(svgs))
			}
			for _, svg := range svgs {
				parseXML(t, svg)
			}
			if strings.Count(page, `<article class="story"`) != 3 {
				t.Errorf("the report does not tell the story of each run")
			}
		}},
		{"svg", "image/svg+xml", "seed-io.svg", func(t *testing.T, body []byte) {
			if root := parseXML(t, string(body)); root != "svg" {
				t.Errorf("the SVG's root is %q", root)
			}
		}},
		{"trace", "application/json", "seed-io.trace.json", func(t *testing.T, body []byte) {
			var tr struct {
				TraceEvents []struct {
					Ph   string `json:"ph"`
					Name string `json:"name"`
				} `json:"traceEvents"`
				OtherData struct {
					Workload string `json:"workload"`
				} `json:"otherData"`
			}
			if err := json.Unmarshal(body, &tr); err != nil {
				t.Fatalf("the trace is not JSON: %v", err)
			}
			complete := 0
			for _, e := range tr.TraceEvents {
				if e.Ph == "X" {
					complete++
				}
			}
			if complete == 0 || tr.OtherData.Workload != "seed-io" {
				t.Errorf("trace of %q with %d complete events of %d", tr.OtherData.Workload, complete, len(tr.TraceEvents))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			w := do(t, "POST", "/api/run", "application/json",
				runBody(t, map[string]any{"yaml": text, "name": "seed-io", "format": tt.format, "spans": true}))
			if w.Code != 200 {
				t.Fatalf("status %d: %.300s", w.Code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != tt.contentType {
				t.Errorf("Content-Type %q, want %q", ct, tt.contentType)
			}
			if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
			disp, params, err := mime.ParseMediaType(w.Header().Get("Content-Disposition"))
			if err != nil || disp != "attachment" || params["filename"] != tt.name {
				t.Errorf("Content-Disposition %q, want an attachment named %s", w.Header().Get("Content-Disposition"), tt.name)
			}
			tt.check(t, w.Body.Bytes())
		})
	}

	// The YAML alone, the format in the query.
	w := do(t, "POST", "/api/run?format=svg&model=sync", "application/yaml", []byte(text))
	if w.Code != 200 || w.Header().Get("Content-Type") != "image/svg+xml" {
		t.Errorf("format in the query: status %d, Content-Type %q", w.Code, w.Header().Get("Content-Type"))
	}
}

// parseXML reads text as XML to its end and returns its root element's
// name.
func parseXML(t *testing.T, text string) string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(text))
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return root
		}
		if err != nil {
			t.Fatalf("not XML: %v\n%.300s", err, text)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
}

// TestRunFileErrors: an unknown format is named; a trace or a report of
// runs whose spans are beyond the page's limits is had without them, and
// the trace says why.
func TestRunFileErrors(t *testing.T) {
	many := "tasks:\n  - name: t\n    count: 20001\n    steps: [{wait: 1s}]\nmodels: [asyncio]\n"
	tests := []struct {
		name   string
		body   map[string]any
		status int
		want   apiErr
	}{
		{"unknown format", map[string]any{"yaml": example(t, "seed-io"), "format": "pdf"}, 400,
			apiErr{Error: `format "pdf": want json, html, svg or trace`, Field: "format"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(t, "POST", "/api/run", "application/json", runBody(t, tt.body))
			var got apiErr
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != tt.status {
				t.Fatalf("status %d, body %s; want %d and a JSON error", w.Code, w.Body, tt.status)
			}
			if !strings.Contains(got.Error, tt.want.Error) || got.Field != tt.want.Field {
				t.Errorf("got %s, want %+v", w.Body, tt.want)
			}
		})
	}
	// Beyond the limits, the report and the trace are still had, without
	// timelines, and the trace says why.
	w := do(t, "POST", "/api/run", "application/json", runBody(t, map[string]any{"yaml": many, "format": "html"}))
	if w.Code != 200 || strings.Contains(w.Body.String(), `<svg class="tl"`) && !strings.Contains(w.Body.String(), "no timeline") {
		t.Errorf("html beyond the limits: status %d", w.Code)
	}
	w = do(t, "POST", "/api/run", "application/json", runBody(t, map[string]any{"yaml": many, "format": "trace"}))
	if w.Code != 200 || !json.Valid(w.Body.Bytes()) || !strings.Contains(w.Body.String(), "no spans in this trace (20,001 tasks, more than the 20,000 whose spans the page keeps)") {
		t.Errorf("trace beyond the limits: status %d, %.600s", w.Code, w.Body)
	}
}

// bestAnswer is the part of a run's answer about the best results and
// overload.
type bestAnswer struct {
	Best struct {
		By      string  `json:"by"`
		Within  float64 `json:"within"`
		Results []int   `json:"results"`
	} `json:"best"`
	Results []struct {
		Model      string   `json:"model"`
		Overloaded *bool    `json:"overloaded"`
		ServedPerS *float64 `json:"served_per_s"`
		Summary    struct {
			Cells      []string `json:"cells"`
			Makespan   string   `json:"makespan"`
			Served     string   `json:"served"`
			Offered    string   `json:"offered"`
			Overloaded bool     `json:"overloaded"`
		} `json:"summary"`
	} `json:"results"`
}

// TestRunBest: the answer says which models lead as advise ranks them,
// ties within 5 % leading together, and for an open workload which
// models are overloaded and what they serve.
func TestRunBest(t *testing.T) {
	get := func(name string, models ...string) bestAnswer {
		t.Helper()
		w := do(t, "POST", "/api/run", "application/json", runBody(t, map[string]any{"yaml": example(t, name), "models": models, "no_tasks": true}))
		if w.Code != 200 {
			t.Fatalf("%s: status %d: %s", name, w.Code, w.Body)
		}
		var a bestAnswer
		if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	// seed-io: threads(3) and asyncio take 2.000 s and 2.001 s, a tie.
	a := get("seed-io")
	if a.Best.By != "makespan" || a.Best.Within != advise.Equal || !slices.Equal(a.Best.Results, []int{1, 2}) {
		t.Errorf("seed-io: best %+v, want threads(3) and asyncio tied by makespan", a.Best)
	}
	if a.Results[1].Summary.Makespan == a.Results[2].Summary.Makespan {
		t.Logf("seed-io: the tie is exact to the digit (%s)", a.Results[1].Summary.Makespan)
	}
	// seed-cpu: processes(2) alone.
	if a := get("seed-cpu"); !slices.Equal(a.Best.Results, []int{2}) {
		t.Errorf("seed-cpu: best %+v, want processes(2) alone", a.Best)
	}
	// api-io: sync and threads(16) cannot keep up; the others lead by p99.
	a = get("api-io")
	if a.Best.By != "p99" {
		t.Errorf("api-io: best by %q, want p99", a.Best.By)
	}
	for i, r := range a.Results {
		over := r.Model == "sync" || r.Model == "threads(16)"
		if r.Summary.Overloaded != over || r.Overloaded == nil || *r.Overloaded != over || r.Summary.Served == "" || r.Summary.Offered == "" {
			t.Errorf("api-io %s: summary %+v, overloaded %v; want overloaded %v with served and offered", r.Model, r.Summary, r.Overloaded, over)
		}
		if over && slices.Contains(a.Best.Results, i) {
			t.Errorf("api-io: overloaded %s is among the best %v", r.Model, a.Best.Results)
		}
		if len(r.Summary.Cells) != len(report.Columns()) || r.Summary.Cells[1] != r.Summary.Makespan {
			t.Errorf("api-io %s: cells %q", r.Model, r.Summary.Cells)
		}
	}
	if len(a.Best.Results) == 0 {
		t.Errorf("api-io: no best")
	}
	// All overloaded: none leads.
	if a := get("api-io", "sync", "threads(2)"); len(a.Best.Results) != 0 {
		t.Errorf("api-io, all overloaded: best %+v, want none", a.Best)
	}
}

// TestStatesAndColumns: the page's palette and words are report's, and
// so are the columns and their meanings.
func TestStatesAndColumns(t *testing.T) {
	var states []struct {
		Name, Fill, Stroke, Text, Words string
		WordsGIL                        string `json:"words_gil"`
	}
	w := do(t, "GET", "/api/states", "", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &states); err != nil || w.Code != 200 {
		t.Fatalf("GET /api/states: %d %s", w.Code, w.Body)
	}
	want := report.StateStyles()
	if len(states) != len(want) {
		t.Fatalf("%d states, want %d", len(states), len(want))
	}
	for i, s := range states {
		ws := want[i]
		if s.Name != ws.Name || s.Fill != ws.Fill || s.Stroke != ws.Stroke || s.Text != ws.Text || s.Words != ws.Words || s.WordsGIL != ws.WordsGIL {
			t.Errorf("state %d: %+v, want %+v", i, s, ws)
		}
	}
	var cols []report.Column
	w = do(t, "GET", "/api/columns", "", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &cols); err != nil || !slices.Equal(cols, report.Columns()) {
		t.Errorf("GET /api/columns: %s (%v), want report.Columns()", w.Body, err)
	}
}

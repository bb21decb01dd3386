package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/web"
	"github.com/conclab/conclab/whatif"
	"github.com/conclab/conclab/workload"
)

// lockBound is `res lock=1; 100 x job: [wait 1ms, use lock [work 2ms]]`
// as YAML: the lock serialises the run, so the work inside it is the step
// to speed up and the wait before it buys nothing.
const lockBound = `name: lockbound
cores: 2
resources:
  lock: {capacity: 1}
tasks:
  - name: job
    count: 100
    steps:
      - wait: 1ms
      - use: lock
        steps: [{work: 2ms}]
`

// whatifAnswer is the part of a whatif answer the tests read.
type whatifAnswer struct {
	Workload string `json:"workload"`
	Model    string `json:"model"`
	RankedBy string `json:"ranked_by"`
	Effects  []struct {
		Step   string `json:"step"`
		Change string `json:"change"`
	} `json:"effects"`
	Idle []struct {
		Step string `json:"step"`
		Why  string `json:"why"`
	} `json:"idle"`
	Table struct {
		Head []string   `json:"head"`
		Rows [][]string `json:"rows"`
	} `json:"table"`
	SVG string `json:"svg"`
}

// postWhatif sends a whatif request to the server at url, over HTTP.
func postWhatif(t *testing.T, url string, req map[string]any) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url+"/api/whatif", "application/json", bytes.NewReader(runBody(t, req)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	return resp.StatusCode, body
}

// TestWhatif asks a server on 127.0.0.1 for the causal profile of a
// lock-bound batch and checks that it is `conclab whatif`'s (whatif.Run):
// the same document, the in-lock work ranked first, the wait idle because
// the lock serialises the run, the text's table and the plot of the top
// eight steps.
func TestWhatif(t *testing.T) {
	srv := httptest.NewServer(web.Handler(web.Options{}))
	defer srv.Close()
	status, body := postWhatif(t, srv.URL, map[string]any{"yaml": lockBound, "model": "threads(8)"})
	if status != 200 {
		t.Fatalf("status %d: %.300s", status, body)
	}
	var got whatifAnswer
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Workload != "lockbound" || got.Model != "threads(8)" || got.RankedBy != "makespan" || len(got.Effects) == 0 ||
		got.Effects[0].Step != "job/2/1" || got.Effects[0].Change != "speedup 100%" {
		t.Errorf("whatif: %s under %s ranked by %s, effects %+v; want job/2/1 removed first", got.Workload, got.Model, got.RankedBy, got.Effects)
	}
	if len(got.Idle) != 1 || got.Idle[0].Step != "job/1" || !strings.HasPrefix(got.Idle[0].Why, "lock serialises the run") {
		t.Errorf("idle %+v, want job/1: lock serialises the run", got.Idle)
	}

	// The same as the command's.
	wl, err := workload.Parse("lockbound.yaml", []byte(lockBound))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.New(wl, nil, plan.Overrides{NoModels: true})
	if err != nil {
		t.Fatal(err)
	}
	d, err := model.Parse("threads(8)")
	if err != nil {
		t.Fatal(err)
	}
	r, err := whatif.Run(context.Background(), p, d, whatif.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(r.Document(p.Header()))
	var gotDoc map[string]any
	var wantDoc any
	json.Unmarshal(body, &gotDoc)
	json.Unmarshal(want, &wantDoc)
	delete(gotDoc, "table") // the page's additions
	delete(gotDoc, "svg")
	gb, _ := json.Marshal(gotDoc)
	wb, _ := json.Marshal(wantDoc)
	if !bytes.Equal(gb, wb) {
		t.Errorf("the answer is not conclab whatif's document:\n got %.500s\nwant %.500s", gb, wb)
	}
	head, rows := r.Table()
	if !slices.Equal(got.Table.Head, head) || len(got.Table.Rows) != len(rows) || !slices.Equal(got.Table.Rows[0], rows[0]) {
		t.Errorf("table %q, want whatif's %q %q", got.Table, head, rows)
	}
	var svg strings.Builder
	r.WriteSVG(&svg, web.WhatifTop)
	if got.SVG != svg.String() || !strings.HasPrefix(got.SVG, "<svg") {
		t.Errorf("the plot is not conclab whatif --format svg --top %d's:\n%.300s", web.WhatifTop, got.SVG)
	}

	// Fewer speed-ups try fewer changes; none given is the workload's
	// first model.
	status, body = postWhatif(t, srv.URL, map[string]any{"yaml": lockBound + "models: [\"threads(4)\"]\n", "speedups": "50%"})
	got = whatifAnswer{}
	if err := json.Unmarshal(body, &got); err != nil || status != 200 {
		t.Fatalf("status %d: %.300s", status, body)
	}
	// Two steps at one speed-up, the work as C code, the lock at 2 units.
	if got.Model != "threads(4)" || len(got.Effects) != 4 || got.Effects[0].Step != "job/2/1" || got.Effects[0].Change != "speedup 50%" {
		t.Errorf("with speedups 50%%: model %s, effects %+v", got.Model, got.Effects)
	}
}

// TestWhatifErrors: bad input to whatif gets one clear error that names
// the field, as advise's and sweep's do; too much work is refused (422)
// before anything is simulated.
func TestWhatifErrors(t *testing.T) {
	srv := httptest.NewServer(web.Handler(web.Options{}))
	defer srv.Close()
	heavy := "tasks:\n  - name: t\n    count: 100\n    steps: [{repeat: 19000, steps: [{work: 1us}, {wait: 1us}]}]\n"
	var many strings.Builder // 600 steps: 2,700 changes
	many.WriteString("tasks:\n  - name: t\n    steps:\n")
	for range 300 {
		many.WriteString("      - work: 1us\n      - wait: 1us\n")
	}
	tests := []struct {
		name   string
		body   map[string]any
		status int
		want   apiErr
	}{
		{"unknown model", map[string]any{"yaml": lockBound, "model": "fibers(2)"}, 400, apiErr{Error: `model "fibers(2)": unknown model`, Field: "model"}},
		{"a model with a range", map[string]any{"yaml": lockBound, "model": "threads(1..8)"}, 400, apiErr{Error: `model "threads(1..8)"`, Field: "model"}},
		{"no model anywhere", map[string]any{"yaml": lockBound}, 400, apiErr{Error: "whatif needs a model", Field: "model"}},
		{"a model the runtime lacks", map[string]any{"yaml": lockBound, "model": "asyncio", "runtime": "java"}, 400, apiErr{Error: "java", Field: "model"}},
		{"speedups without %", map[string]any{"yaml": lockBound, "model": "sync", "speedups": "50"}, 400, apiErr{Error: `speedups "50": want percentages`, Field: "speedups"}},
		{"a speedup above 100%", map[string]any{"yaml": lockBound, "model": "sync", "speedups": "50%,150%"}, 400, apiErr{Error: "speedups 150%: want more than 0% and at most 100%", Field: "speedups"}},
		{"broken YAML", map[string]any{"yaml": "tasks: [{name: A, steps: [{sleep: 1s}]}]", "model": "sync"}, 400, apiErr{Error: "unknown step kind", Line: 1, Col: 28, Field: "yaml"}},
		{"unknown field", map[string]any{"yaml": lockBound, "models": []string{"sync"}}, 400, apiErr{Error: `unknown field "models"`, Field: "body"}},
		{"too much work", map[string]any{"yaml": heavy, "model": "threads(4)"}, 422, apiErr{Error: "10 simulations of whatif: about"}},
		{"too many changes", map[string]any{"yaml": many.String(), "model": "sync"}, 422, apiErr{Error: "2,700 changes to try, each a simulation: the page tries at most 500"}},
		{"too many tasks", map[string]any{"yaml": "tasks:\n  - name: t\n    count: 200001\n    steps: [{wait: 1s}]\n", "model": "sync"}, 422, apiErr{Error: "200,001 tasks"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := postWhatif(t, srv.URL, tt.body)
			var got apiErr
			if err := json.Unmarshal(body, &got); err != nil || status != tt.status {
				t.Fatalf("status %d, body %s; want %d and a JSON error", status, body, tt.status)
			}
			if !strings.Contains(got.Error, tt.want.Error) || got.Line != tt.want.Line || got.Col != tt.want.Col || got.Field != tt.want.Field {
				t.Errorf("got %s, want %+v", body, tt.want)
			}
		})
	}

	// Only a POST of JSON.
	resp, err := http.Get(srv.URL + "/api/whatif")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: status %d, Allow %q; want 405 and POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
	resp, err = http.Post(srv.URL+"/api/whatif", "text/plain", strings.NewReader(lockBound))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 415 {
		t.Errorf("text/plain: status %d, want 415", resp.StatusCode)
	}
}

// TestBrowserWhatif asks the page which step to speed up: the model's
// field offers the first model, the ranking's top row is the in-lock
// work, the causal profile is drawn, the wait is listed as buying
// nothing with why, and a bad model is named as advise's errors are.
func TestBrowserWhatif(t *testing.T) {
	p := openBrowser(t)
	p.open("/#seed-io", "seed-io")
	if ph := eval[string](p, "placeholder", `document.getElementById("whatif-model").placeholder`); ph != "sync" {
		t.Errorf("the model's placeholder is %q, want seed-io's first model, sync", ph)
	}
	text, _ := json.Marshal(lockBound)
	p.do("type the lock-bound workload",
		chromedp.Evaluate[chromedp.Void](`(() => {
			const ta = document.getElementById("yaml");
			ta.value = `+string(text)+`;
			ta.dispatchEvent(new Event("input"));
		})()`),
		loaded("lockbound"),
		chromedp.SetValue(chromedp.ID("whatif-model"), "threads(8)"),
	)
	btn := p.boxOf(`#whatif-form button[type=submit]`)
	p.do("rank the steps", chromedp.MouseClickXY(btn.X+btn.W/2, btn.Y+btn.H/2))
	p.waitFor("the ranking", `!document.getElementById("whatif").hidden && document.querySelector("#whatif tbody tr") !== null`)
	type view struct {
		Top  []string
		Rows int
		SVG  bool
		Idle []string
	}
	got := eval[view](p, "read the ranking", `({
		top: [...document.querySelector("#whatif tbody tr").cells].map(c => c.textContent),
		rows: document.querySelectorAll("#whatif tbody tr").length,
		svg: !!document.querySelector("#whatif .plot svg polyline"),
		idle: [...document.querySelectorAll("#whatif .idle li")].map(l => l.textContent),
	})`)
	if len(got.Top) < 4 || got.Top[1] != "job/2/1" || got.Top[3] != "speedup 100%" {
		t.Errorf("the top row %q, want job/2/1 removed", got.Top)
	}
	if got.Rows != 10 || !got.SVG {
		t.Errorf("%d rows and a plot %v, want the 10 changes and the causal profile", got.Rows, got.SVG)
	}
	if len(got.Idle) != 1 || !strings.HasPrefix(got.Idle[0], "job/1 (wait 1ms): lock serialises the run") {
		t.Errorf("buys nothing: %q, want job/1 and why", got.Idle)
	}
	p.do("show the ranking", chromedp.Evaluate[chromedp.Void](`document.getElementById("whatif").scrollIntoView()`))
	p.shot("whatif.png", false)

	p.do("a bad model", chromedp.SetValue(chromedp.ID("whatif-model"), "fibers(2)"))
	btn = p.boxOf(`#whatif-form button[type=submit]`)
	p.do("rank the steps", chromedp.MouseClickXY(btn.X+btn.W/2, btn.Y+btn.H/2))
	p.waitFor("the error", `!document.getElementById("whatif-error").hidden`)
	if e := eval[string](p, "error", `document.getElementById("whatif-error").textContent`); !strings.HasPrefix(e, `model: model "fibers(2)"`) {
		t.Errorf("whatif error %q", e)
	}
	if !eval[bool](p, "the ranking hidden", `document.getElementById("whatif").hidden`) {
		t.Errorf("the ranking still shows after an error")
	}
}

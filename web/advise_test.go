package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/conclab/conclab/advise"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

// adviceAnswer is the part of an advise answer the tests read.
type adviceAnswer struct {
	Workload       string `json:"workload"`
	Recommendation *struct {
		Model string `json:"model"`
	} `json:"recommendation"`
	RunnerUp *struct {
		Model string `json:"model"`
	} `json:"runner_up"`
	Reasons     []string `json:"reasons"`
	RuleOfThumb string   `json:"rule_of_thumb"`
	Table       struct {
		Head []string   `json:"head"`
		Rows [][]string `json:"rows"`
	} `json:"table"`
	Candidates []struct {
		Model    string `json:"model"`
		Rejected string `json:"rejected"`
		Metrics  struct {
			Overloaded bool `json:"overloaded"`
		} `json:"metrics"`
	} `json:"candidates"`
}

// TestAdvise asks the server for advice and checks that it is the advice
// of `conclab advise` (advise.Advise) for the same workload: the same
// recommendation, reasons and candidates; bounds that nothing meets leave
// no recommendation, and say why.
func TestAdvise(t *testing.T) {
	text := example(t, "api-io")
	w := do(t, "POST", "/api/advise", "application/json", runBody(t, map[string]any{"yaml": text, "name": "api-io"}))
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, %s: %.300s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	var got adviceAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	wl, err := workload.Parse("api-io.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.New(wl, nil, plan.Overrides{NoModels: true})
	if err != nil {
		t.Fatal(err)
	}
	a, err := advise.Advise(context.Background(), wl, advise.Constraints{}, advise.SetupOf(p))
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := a.WriteJSON(&want); err != nil {
		t.Fatal(err)
	}
	var gotDoc map[string]any
	var wantDoc any
	json.Unmarshal(w.Body.Bytes(), &gotDoc)
	json.Unmarshal(want.Bytes(), &wantDoc)
	delete(gotDoc, "table") // the page's addition
	gb, _ := json.Marshal(gotDoc)
	wb, _ := json.Marshal(wantDoc)
	if !bytes.Equal(gb, wb) {
		t.Errorf("the answer is not conclab advise's document:\n got %.500s\nwant %.500s", gb, wb)
	}
	if got.Workload != "api-io" || got.Recommendation == nil || len(got.Reasons) != 3 || got.RuleOfThumb == "" || len(got.Candidates) < 5 {
		t.Errorf("advice %+v", got)
	}
	head, rows := a.Table()
	if !slices.Equal(got.Table.Head, head) || len(got.Table.Rows) != len(rows) || !slices.Equal(got.Table.Rows[0], rows[0]) {
		t.Errorf("table %q, want advise's %q %q", got.Table, head, rows)
	}

	w = do(t, "POST", "/api/advise", "application/json", runBody(t, map[string]any{"yaml": text, "p99": "1ms", "memory": "1GiB"}))
	got = adviceAnswer{}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if got.Recommendation != nil || len(got.Reasons) == 0 || !strings.Contains(got.Reasons[0], "break the bounds") {
		t.Errorf("with p99 ≤ 1ms: recommendation %+v, reasons %q; want none, and why", got.Recommendation, got.Reasons)
	}
}

// sweepAnswer is the part of a sweep answer the tests read.
type sweepAnswer struct {
	Swept  string `json:"swept"`
	Points []struct {
		Value float64 `json:"value"`
		Model string  `json:"model"`
	} `json:"points"`
	Knee *struct {
		Model string `json:"model"`
		Rule  string `json:"rule"`
	} `json:"knee"`
	Title    string `json:"title"`
	KneeText string `json:"knee_text"`
	KneeNote string `json:"knee_note"`
	SVG      string `json:"svg"`
	Table    struct {
		Head []string   `json:"head"`
		Rows [][]string `json:"rows"`
	} `json:"table"`
}

// TestSweep sweeps a pool size and an arrival rate and checks the points,
// the knee and the plot against `conclab sweep`'s (advise.Run).
func TestSweep(t *testing.T) {
	text := example(t, "api-io")
	wl, err := workload.Parse("api-io.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.New(wl, nil, plan.Overrides{NoModels: true})
	if err != nil {
		t.Fatal(err)
	}
	swept, pts, err := advise.ModelPoints(wl, "threads(1..64)", runtime.Profile{Name: "cpython", Asyncio: true, Processes: true})
	if err != nil {
		t.Fatal(err)
	}
	sw, err := advise.Run(context.Background(), wl, swept, pts, advise.SetupOf(p))
	if err != nil {
		t.Fatal(err)
	}
	var svg strings.Builder
	sw.WriteSVG(&svg)

	w := do(t, "POST", "/api/sweep", "application/json", runBody(t, map[string]any{"yaml": text, "name": "api-io", "model": "threads(1..64)"}))
	var got sweepAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 {
		t.Fatalf("status %d: %.300s", w.Code, w.Body)
	}
	head, rows := sw.Table()
	if !slices.Equal(got.Table.Head, head) || len(got.Table.Rows) != len(rows) || !slices.Equal(got.Table.Rows[sw.Knee.Index], rows[sw.Knee.Index]) {
		t.Errorf("table %q, want the sweep's %q %q", got.Table, head, rows)
	}
	if got.Swept != "threads" || len(got.Points) != len(sw.Points) || got.Knee == nil || got.Knee.Model != sw.Points[sw.Knee.Index].Model.String() ||
		got.KneeText != sw.KneeSentence() || got.KneeNote != sw.Knee.Note || got.Title != sw.Title() || got.SVG != svg.String() {
		t.Errorf("sweep: swept %q, %d points, knee %+v, %q, title %q, svg %d bytes; want %q, %d points, knee %s, %q, %q and the plot of conclab sweep",
			got.Swept, len(got.Points), got.Knee, got.KneeText, got.Title, len(got.SVG), swept, len(sw.Points), sw.Points[sw.Knee.Index].Model, sw.KneeSentence(), sw.Title())
	}

	w = do(t, "POST", "/api/sweep", "application/json", runBody(t, map[string]any{"yaml": text, "model": "asyncio", "rate": "50..400/s", "steps": 4}))
	got = sweepAnswer{}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 {
		t.Fatalf("rates: status %d: %.300s", w.Code, w.Body)
	}
	if got.Swept != advise.SweptRate || len(got.Points) != 4 || got.Points[0].Value != 50 || got.Points[3].Value != 400 || !strings.HasPrefix(got.SVG, "<svg") {
		t.Errorf("rates: %+v", got)
	}
}

// TestAdviseSweepErrors: bad input to advise and sweep gets one clear
// error that names the field, as a run's does; too much work is 422.
func TestAdviseSweepErrors(t *testing.T) {
	io := example(t, "api-io")
	seed := example(t, "seed-io")
	heavy := "tasks:\n  - name: t\n    count: 100\n    steps: [{repeat: 19000, steps: [{work: 1us}, {wait: 1us}]}]\n"
	tests := []struct {
		name, path string
		body       map[string]any
		status     int
		want       apiErr
	}{
		{"advise: bad p99", "/api/advise", map[string]any{"yaml": io, "p99": "soon"}, 400, apiErr{Error: `p99 "soon": want a positive duration`, Field: "p99"}},
		{"advise: bad memory", "/api/advise", map[string]any{"yaml": io, "memory": "lots"}, 400, apiErr{Error: `memory "lots": want a size such as 2GiB`, Field: "memory"}},
		{"advise: broken YAML", "/api/advise", map[string]any{"yaml": "tasks: [{name: A, steps: [{sleep: 1s}]}]"}, 400, apiErr{Error: "unknown step kind", Line: 1, Col: 28, Field: "yaml"}},
		{"advise: unknown runtime", "/api/advise", map[string]any{"yaml": io, "runtime": "pypy"}, 400, apiErr{Error: "pypy", Field: "runtime"}},
		{"advise: unknown field", "/api/advise", map[string]any{"yaml": io, "models": []string{"sync"}}, 400, apiErr{Error: `unknown field "models"`, Field: "body"}},
		{"advise: too much work", "/api/advise", map[string]any{"yaml": heavy}, 422, apiErr{Error: "steps together; the page simulates at most"}},
		{"advise: too many tasks", "/api/advise", map[string]any{"yaml": "tasks:\n  - name: t\n    count: 200001\n    steps: [{wait: 1s}]\n"}, 422, apiErr{Error: "200,001 tasks"}},
		{"sweep: no model", "/api/sweep", map[string]any{"yaml": io}, 400, apiErr{Error: "a sweep needs a model with a range", Field: "model"}},
		{"sweep: no range", "/api/sweep", map[string]any{"yaml": io, "model": "threads(8)"}, 400, apiErr{Error: "no range to sweep", Field: "model"}},
		{"sweep: unknown model", "/api/sweep", map[string]any{"yaml": io, "model": "fibers(1..8)"}, 400, apiErr{Error: `model "fibers(1..8)"`, Field: "model"}},
		{"sweep: a range and rates", "/api/sweep", map[string]any{"yaml": io, "model": "threads(1..8)", "rate": "50..100/s"}, 400, apiErr{Error: "give one without a range", Field: "model"}},
		{"sweep: bad rates", "/api/sweep", map[string]any{"yaml": io, "model": "asyncio", "rate": "fast"}, 400, apiErr{Error: `rate range "fast"`, Field: "rate"}},
		{"sweep: rates of a batch", "/api/sweep", map[string]any{"yaml": seed, "model": "asyncio", "rate": "50..100/s"}, 400, apiErr{Error: "has no arrivals", Field: "rate"}},
		{"sweep: too many points", "/api/sweep", map[string]any{"yaml": io, "model": "asyncio", "rate": "50..100/s", "steps": 1000}, 400, apiErr{Error: "steps 1000: want 2 to 64", Field: "steps"}},
		{"sweep: rates of too many tasks", "/api/sweep", map[string]any{"yaml": io, "model": "asyncio", "rate": "50..100000/s", "steps": 2}, 422, apiErr{Error: "1,000,000 tasks"}},
		{"sweep: too much work", "/api/sweep", map[string]any{"yaml": heavy, "model": "threads(1..64)"}, 422, apiErr{Error: "steps together"}},
		{"sweep: a model the runtime lacks", "/api/sweep", map[string]any{"yaml": io, "model": "asyncio(limit=1..10)", "runtime": "java"}, 400, apiErr{Error: "java", Field: "model"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(t, "POST", tt.path, "application/json", runBody(t, tt.body))
			var got apiErr
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != tt.status {
				t.Fatalf("status %d, body %s; want %d and a JSON error", w.Code, w.Body, tt.status)
			}
			if !strings.Contains(got.Error, tt.want.Error) || got.Line != tt.want.Line || got.Col != tt.want.Col || got.Field != tt.want.Field {
				t.Errorf("got %s, want %+v", w.Body, tt.want)
			}
		})
	}
}

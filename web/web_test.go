package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/web"
	"github.com/conclab/conclab/workload"
)

// do sends one request to a fresh handler, as a server on 127.0.0.1:8080
// would receive it, and returns the answer.
func do(t testing.TB, method, path, contentType string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Host = "127.0.0.1:8080"
	req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	web.Handler(web.Options{}).ServeHTTP(w, req)
	return w
}

func runBody(t testing.TB, req map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func example(t testing.TB, name string) string {
	t.Helper()
	data, ok := examples.Lookup(name)
	if !ok {
		t.Fatalf("no example %s", name)
	}
	return string(data)
}

// answer is the part of a run's answer the tests read.
type answer struct {
	Workload   string   `json:"workload"`
	ModelsFrom string   `json:"models_from"`
	States     []string `json:"states"`
	Results    []struct {
		Model     string  `json:"model"`
		MakespanS float64 `json:"makespan_s"`
		Summary   struct {
			Makespan string `json:"makespan"`
		} `json:"summary"`
		Timeline *struct {
			MakespanNS int64 `json:"makespan_ns"`
			Omitted    string
			Rows       []struct {
				Name  string  `json:"name"`
				Kind  string  `json:"kind"`
				Spans []int64 `json:"spans"`
			} `json:"rows"`
		} `json:"timeline"`
		Narration []struct {
			AtS  float64 `json:"at_s"`
			Text string  `json:"text"`
		} `json:"narration"`
	} `json:"results"`
}

func decode(t testing.TB, w *httptest.ResponseRecorder) answer {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store: a run's answer is not to be cached", cc)
	}
	var a answer
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, w.Body)
	}
	return a
}

// TestRunEveryExample runs each built-in example as the page does and
// checks that every model has a timeline to draw and a narration.
func TestRunEveryExample(t *testing.T) {
	for _, ex := range examples.List() {
		t.Run(ex.Name, func(t *testing.T) {
			a := decode(t, do(t, "POST", "/api/run", "application/json",
				runBody(t, map[string]any{"yaml": example(t, ex.Name), "name": ex.Name, "spans": true, "no_tasks": true})))
			if a.Workload != ex.Name || len(a.Results) == 0 || len(a.States) == 0 {
				t.Fatalf("workload %q, %d results, states %q", a.Workload, len(a.Results), a.States)
			}
			for _, r := range a.Results {
				tl := r.Timeline
				if tl == nil || len(tl.Rows) == 0 || tl.MakespanNS != int64(r.MakespanS*1e9+0.5) && tl.MakespanNS/1000 != int64(r.MakespanS*1e6) {
					t.Errorf("%s: timeline %+v for makespan %g s", r.Model, tl, r.MakespanS)
					continue
				}
				for _, row := range tl.Rows {
					if len(row.Spans)%4 != 0 {
						t.Errorf("%s: row %s has %d numbers, not quadruples", r.Model, row.Name, len(row.Spans))
					}
					for i := 0; i+3 < len(row.Spans); i += 4 {
						s, e, st := row.Spans[i], row.Spans[i+1], row.Spans[i+2]
						if s >= e || s < 0 || e > tl.MakespanNS || st < 0 || int(st) >= len(a.States) {
							t.Fatalf("%s: row %s: bad span %v", r.Model, row.Name, row.Spans[i:i+4])
						}
					}
				}
				if len(r.Narration) == 0 {
					t.Errorf("%s: no narration", r.Model)
				}
			}
		})
	}
}

// TestRunSeedLanes checks the seed's lanes and makespans: sync has main,
// threads(3) three workers, asyncio a loop and the tasks.
func TestRunSeedLanes(t *testing.T) {
	a := decode(t, do(t, "POST", "/api/run", "application/json",
		runBody(t, map[string]any{"yaml": example(t, "seed-io"), "spans": true})))
	want := map[string]struct {
		rows     string
		makespan float64
	}{
		"sync":       {"main", 6},
		"threads(3)": {"main worker-1 worker-2 worker-3", 2},
		"asyncio":    {"loop A B C", 2},
	}
	if len(a.Results) != len(want) {
		t.Fatalf("%d results, want %d", len(a.Results), len(want))
	}
	for _, r := range a.Results {
		var names []string
		for _, row := range r.Timeline.Rows {
			names = append(names, row.Name)
		}
		w := want[r.Model]
		if strings.Join(names, " ") != w.rows || r.MakespanS < w.makespan || r.MakespanS > w.makespan*1.01 {
			t.Errorf("%s: rows %q makespan %g, want %q and %g s", r.Model, names, r.MakespanS, w.rows, w.makespan)
		}
	}
}

// TestRunContract checks that an answer without spans is the document of
// `conclab run --format json` (report.JSON) with only keys added.
func TestRunContract(t *testing.T) {
	text := example(t, "seed-cpu")
	w := do(t, "POST", "/api/run", "application/json", runBody(t, map[string]any{"yaml": text, "name": "seed-cpu"}))
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}

	wl, err := workload.Parse("seed-cpu.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := runtime.Builtin("cpython")
	var runs []report.Run
	for _, m := range wl.Models {
		d, err := model.Parse(m.Expr)
		if err != nil {
			t.Fatal(err)
		}
		res, err := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: wl.Cores,
			SwitchInterval: 5_000_000, RecordTasks: true})
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, report.Run{Result: res})
	}
	var buf bytes.Buffer
	if err := report.JSON(&buf, report.Header{Runtime: prof.Name, Cores: wl.Cores, SwitchIntervalS: 0.005}, wl, runs, true); err != nil {
		t.Fatal(err)
	}
	var want, got map[string]any
	json.Unmarshal(buf.Bytes(), &want)
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"models_from", "best", "states", "causes"} {
		delete(got, k)
	}
	for _, r := range got["results"].([]any) {
		for _, k := range []string{"summary", "timeline", "narration"} {
			delete(r.(map[string]any), k)
		}
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if !bytes.Equal(gb, wb) {
		t.Errorf("the answer is not report.JSON's document:\n got %s\nwant %s", gb, wb)
	}
}

// TestRunSwitchInterval: the request's switch interval overrides the
// workload's, as --switch-interval does, in a JSON request and in the
// query of a YAML one; the answer says which it used.
func TestRunSwitchInterval(t *testing.T) {
	text := example(t, "convoy")
	wl, err := workload.Parse("convoy.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := runtime.Builtin("cpython")
	// The io task waits for the GIL after each wake-up, up to a switch
	// interval: the GIL wait tells the interval apart.
	gilWait := func(si int64) float64 {
		res, err := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: model.Deployment{Kind: model.ThreadPool, Threads: 2},
			Profile: prof, Cores: 2, SwitchInterval: si})
		if err != nil {
			t.Fatal(err)
		}
		return float64(res.GILWait) / 1e9
	}
	tests := []struct {
		name    string
		w       *httptest.ResponseRecorder
		si      float64 // seconds
		gilWait float64
	}{
		{"the workload's", do(t, "POST", "/api/run", "application/json",
			runBody(t, map[string]any{"yaml": text, "models": []string{"threads(2)"}, "cores": 2})), 0.005, gilWait(5e6)},
		{"1ms in JSON", do(t, "POST", "/api/run", "application/json",
			runBody(t, map[string]any{"yaml": text, "models": []string{"threads(2)"}, "cores": 2, "switch_interval": "1ms"})), 0.001, gilWait(1e6)},
		{"50ms in the query", do(t, "POST", "/api/run?model=threads(2)&cores=2&switch_interval=50ms", "application/yaml",
			[]byte(text)), 0.05, gilWait(50e6)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.w.Code != 200 {
				t.Fatalf("status %d: %s", tt.w.Code, tt.w.Body)
			}
			var got struct {
				SwitchIntervalS float64 `json:"switch_interval_s"`
				Results         []struct {
					GILWaitS float64 `json:"gil_wait_s"`
				} `json:"results"`
			}
			if err := json.Unmarshal(tt.w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.SwitchIntervalS != tt.si || len(got.Results) != 1 || got.Results[0].GILWaitS != tt.gilWait {
				t.Errorf("switch_interval_s %g, results %+v; want %g and GIL wait %g s", got.SwitchIntervalS, got.Results, tt.si, tt.gilWait)
			}
		})
	}
	if gilWait(1e6) == gilWait(5e6) {
		t.Error("convoy's GIL wait does not depend on the switch interval: the test proves nothing")
	}
}

// TestRunYAMLBody sends the YAML alone, options in the query.
func TestRunYAMLBody(t *testing.T) {
	w := do(t, "POST", "/api/run?model=sync&model=asyncio&cores=1&spans=1&name=three", "application/yaml",
		[]byte("tasks:\n  - name: t\n    count: 3\n    steps: [{wait: 1s}]\n"))
	a := decode(t, w)
	if a.Workload != "three" || a.ModelsFrom != "request" || len(a.Results) != 2 || a.Results[1].Model != "asyncio" || a.Results[0].Timeline == nil {
		t.Errorf("answer %+v", a)
	}
}

// TestRunNoSpansBeyondLimit: beyond MaxSpanTasks the run has no timeline
// and says why.
func TestRunNoSpansBeyondLimit(t *testing.T) {
	yaml := "tasks:\n  - name: t\n    count: 20001\n    steps: [{wait: 1s}]\nmodels: [asyncio]\n"
	a := decode(t, do(t, "POST", "/api/run", "application/json", runBody(t, map[string]any{"yaml": yaml, "spans": true, "no_tasks": true})))
	tl := a.Results[0].Timeline
	if tl == nil || tl.Omitted == "" || len(tl.Rows) != 0 || !strings.Contains(tl.Omitted, "20,000") {
		t.Errorf("timeline %+v, want none and a reason naming the limit", tl)
	}
}

type apiErr struct {
	Error string `json:"error"`
	Line  int    `json:"line"`
	Col   int    `json:"col"`
	Field string `json:"field"`
	Model *int   `json:"model"`
}

func TestRunErrors(t *testing.T) {
	broken := "tasks:\n  - name: A\n    steps:\n      - sleep: 2s\n"
	_, perr := workload.Parse("", []byte(broken))
	var we *workload.Error
	if !errors.As(perr, &we) {
		t.Fatalf("the broken workload parses: %v", perr)
	}
	seed := example(t, "seed-io")
	zero := 0
	tests := []struct {
		name        string
		contentType string
		body        []byte
		status      int
		want        apiErr // fields that must match; Error is a substring
	}{
		{"broken YAML", "application/json", runBody(t, map[string]any{"yaml": broken}), 400,
			apiErr{Error: we.Msg, Line: we.Line, Col: we.Col, Field: "yaml"}},
		{"broken YAML alone", "application/yaml", []byte(broken), 400,
			apiErr{Error: "unknown step kind", Line: we.Line, Col: we.Col, Field: "yaml"}},
		{"empty workload", "application/json", runBody(t, map[string]any{"yaml": " "}), 400,
			apiErr{Error: "empty workload", Field: "yaml"}},
		{"unknown model", "application/json", runBody(t, map[string]any{"yaml": seed, "models": []string{"fibers(3)"}}), 400,
			apiErr{Error: `model "fibers(3)"`, Field: "models", Model: &zero}},
		{"unknown model in the file", "application/json", runBody(t, map[string]any{"yaml": "tasks: [{name: A, steps: [{wait: 1s}]}]\nmodels: [sync, fibers]\n"}), 400,
			apiErr{Error: `unknown model "fibers"`, Line: 2, Col: 16, Field: "yaml"}},
		{"mistake inside a quoted model", "application/json", runBody(t, map[string]any{"yaml": "tasks: [{name: A, steps: [{wait: 1s}]}]\nmodels: [\"threads(x)\"]\n"}), 400,
			apiErr{Error: "", Line: 2, Col: 19, Field: "yaml"}},
		{"model the runtime lacks", "application/json", runBody(t, map[string]any{"yaml": seed, "models": []string{"asyncio"}, "runtime": "java"}), 400,
			apiErr{Error: "java", Field: "models", Model: &zero}},
		{"bidi override in the name", "application/json", runBody(t, map[string]any{"yaml": seed, "name": "ok\u202Eexe"}), 400,
			apiErr{Error: "a name must not contain U+202E", Field: "name"}},
		{"unknown runtime", "application/json", runBody(t, map[string]any{"yaml": seed, "runtime": "pypy"}), 400,
			apiErr{Error: "pypy", Field: "runtime"}},
		{"bad cores", "application/json", runBody(t, map[string]any{"yaml": seed, "cores": -1}), 400,
			apiErr{Error: "cores", Field: "cores"}},
		{"bad switch interval", "application/json", runBody(t, map[string]any{"yaml": seed, "switch_interval": "5"}), 400,
			apiErr{Error: `switch_interval "5"`, Field: "switch_interval"}},
		{"negative switch interval", "application/json", runBody(t, map[string]any{"yaml": seed, "switch_interval": "-1ms"}), 400,
			apiErr{Error: "want a positive duration", Field: "switch_interval"}},
		{"switch interval too long", "application/json", runBody(t, map[string]any{"yaml": seed, "switch_interval": "3000h"}), 400,
			apiErr{Error: "switch_interval 3000h0m0s: too long", Field: "switch_interval"}},
		{"too many models", "application/json", runBody(t, map[string]any{"yaml": seed, "models": strings.Split("sync sync sync sync sync sync sync sync sync", " ")}), 400,
			apiErr{Error: "at most 8", Field: "models"}},
		{"not JSON", "application/json", []byte("{yaml"), 400, apiErr{Field: "body"}},
		{"unknown field", "application/json", []byte(`{"yaml": "x", "modles": []}`), 400, apiErr{Error: "modles", Field: "body"}},
		{"other content type", "text/csv", []byte("a,b"), 415, apiErr{Error: `Content-Type "text/csv": send application/json`, Field: "body"}},
		{"text/plain, which a page elsewhere sends freely", "text/plain; charset=utf-8", []byte(seed), 415, apiErr{Error: `Content-Type "text/plain"`, Field: "body"}},
		{"no content type", "", runBody(t, map[string]any{"yaml": seed}), 415, apiErr{Error: "no Content-Type: send application/json (a run request) or application/yaml (the workload alone)", Field: "body"}},
		{"a content type that does not parse", "application/json garbage", runBody(t, map[string]any{"yaml": seed}), 415, apiErr{Error: "does not parse", Field: "body"}},
		{"body too large", "application/json", bytes.Repeat([]byte(" "), web.MaxBodyBytes+1), 413,
			apiErr{Error: "256 KiB", Field: "body"}},
		{"too many tasks", "application/json", runBody(t, map[string]any{"yaml": "tasks:\n  - name: t\n    count: 200001\n    steps: [{wait: 1s}]\n"}), 422,
			apiErr{Error: "200,001 tasks"}},
		{"too many arrivals", "application/json", runBody(t, map[string]any{"yaml": "arrivals: {rate: 10000/s, for: 60s}\ntasks:\n  - name: t\n    steps: [{wait: 1ms}]\n"}), 422,
			apiErr{Error: "600,000 tasks"}},
		{"too many steps", "application/json", runBody(t, map[string]any{"yaml": "tasks:\n  - name: t\n    count: 100\n    steps: [{repeat: 100000, steps: [{work: 1us}]}]\n"}), 422,
			apiErr{Error: "10,002,000 steps"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(t, "POST", "/api/run", tt.contentType, tt.body)
			var got apiErr
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != tt.status {
				t.Fatalf("status %d, body %s; want %d and a JSON error", w.Code, w.Body, tt.status)
			}
			if !strings.Contains(got.Error, tt.want.Error) || got.Error == "" || got.Line != tt.want.Line || got.Col != tt.want.Col ||
				got.Field != tt.want.Field || (tt.want.Model == nil) != (got.Model == nil) || got.Model != nil && *got.Model != *tt.want.Model {
				t.Errorf("got %s, want %+v", w.Body, tt.want)
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	tests := []struct {
		method, path string
		status       int
		allow        string
		body         string // a substring of the answer
	}{
		{"GET", "/api/examples", 200, "", `"name":"seed-io"`},
		{"GET", "/api/examples/seed-io", 200, "", `"models":["sync","threads(3)","asyncio"]`},
		{"GET", "/api/examples/no-such", 404, "", `no example \"no-such\"`},
		{"GET", "/api/runtimes", 200, "", `"cpython-ft"`},
		{"GET", "/api/nothing", 404, "", `no such API`},
		{"GET", "/api/run", 405, "POST", `method GET not allowed`},
		{"DELETE", "/api/examples", 405, "GET, HEAD", `not allowed`},
		{"POST", "/api/examples/seed-io", 405, "GET, HEAD", `not allowed`},
		{"POST", "/", 405, "GET, HEAD", `not allowed`},
		{"GET", "/", 200, "", `<textarea id="yaml"`},
		{"GET", "/assets/app.js", 200, "", `"use strict"`},
		{"GET", "/assets/style.css", 200, "", `.tl-model`},
		{"GET", "/api/states", 200, "", `"name":"gil-wait","fill":"#d55e00"`},
		{"GET", "/api/columns", 200, "", `"head":"GIL wait","meaning":"the time threads waited for the GIL, summed over threads`},
		{"GET", "/api/advise", 405, "POST", `method GET not allowed`},
		{"PUT", "/api/sweep", 405, "POST", `method PUT not allowed`},
		{"POST", "/api/states", 405, "GET, HEAD", `not allowed`},
		{"GET", "/assets/nothing.js", 404, "", ``},
		{"GET", "/elsewhere", 404, "", ``},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := do(t, tt.method, tt.path, "", nil)
			if w.Code != tt.status || w.Header().Get("Allow") != tt.allow || !strings.Contains(w.Body.String(), tt.body) {
				t.Errorf("status %d, Allow %q, body %.200s; want %d, %q and %q", w.Code, w.Header().Get("Allow"), w.Body, tt.status, tt.allow, tt.body)
			}
			if cc := w.Header().Get("Cache-Control"); strings.HasPrefix(tt.path, "/api/") && cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store on every API answer", cc)
			}
		})
	}
}

// TestPageOffline checks that the page and its assets name nothing outside
// the server, and that the browser is told to load nothing from elsewhere.
func TestPageOffline(t *testing.T) {
	w := do(t, "GET", "/", "", nil)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("page Content-Type %q", ct)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	page := w.Body.String()
	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 2 {
		t.Fatalf("the page references %d assets", len(refs))
	}
	external := regexp.MustCompile(`(?i)\b(?:https?:)?//[a-z0-9.-]+\.[a-z]|@import|url\(\s*['"]?(?:https?:)?//`)
	files := map[string]string{"/": page}
	for _, ref := range refs {
		u := ref[1]
		if strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "#") {
			continue
		}
		if !strings.HasPrefix(u, "/assets/") {
			t.Errorf("the page references %q, not an embedded asset", u)
			continue
		}
		a := do(t, "GET", u, "", nil)
		if a.Code != 200 {
			t.Errorf("%s: status %d", u, a.Code)
		}
		files[u] = a.Body.String()
	}
	for name, text := range files {
		if m := external.FindString(text); m != "" {
			t.Errorf("%s names something outside the server: %q", name, m)
		}
	}
	// Every embedded file is one the page uses.
	fs.WalkDir(web.Assets(), ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if _, ok := files["/assets/"+path]; !ok && path != "index.html" {
				t.Errorf("embedded %s is never referenced by the page", path)
			}
		}
		return nil
	})
}

// TestServe serves on a real loopback listener and shuts down when the
// context ends.
func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- web.Serve(ctx, ln, web.Handler(web.Options{})) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/api/examples")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("seed-io")) {
		t.Errorf("status %d: %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after shutdown: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}

// BenchmarkAPIRun answers the page's request (spans and narration, no task
// list) for every built-in example: simulate, build the timelines, narrate
// and encode.
func BenchmarkAPIRun(b *testing.B) {
	h := web.Handler(web.Options{})
	for _, ex := range examples.List() {
		body := runBody(b, map[string]any{"yaml": example(b, ex.Name), "name": ex.Name, "spans": true, "no_tasks": true})
		b.Run(ex.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("POST", "/api/run", bytes.NewReader(body))
				req.Host = "127.0.0.1:8080"
				req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}))
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}

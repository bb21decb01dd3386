package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/conclab/conclab/web"
	"github.com/conclab/conclab/workload"
)

// TestHostile sends hostile and edge requests to a real server on
// 127.0.0.1, as a page elsewhere, a careless script or an attacker would,
// and checks each answer: its status, a piece of its message, that an
// error is one line of JSON, that an API answer is never cached nor shared
// with another origin, and for the heavy ones the process's peak memory.
// The server must answer every one and still answer afterwards.
func TestHostile(t *testing.T) {
	srv := httptest.NewServer(web.Handler(web.Options{}))
	defer srv.Close()
	here := srv.Listener.Addr().String() // 127.0.0.1:port
	_, port, _ := net.SplitHostPort(here)
	seed := []byte(example(t, "seed-io"))
	run := func(req map[string]any) []byte { return runBody(t, req) }
	deep := bytes.Repeat([]byte("["), 50<<10)

	type header = map[string]string
	jsonCT, yamlCT := header{"Content-Type": "application/json"}, header{"Content-Type": "application/yaml"}
	with := func(h header, k, v string) header {
		out := header{k: v}
		for hk, hv := range h {
			if hk != k {
				out[hk] = hv
			}
		}
		return out
	}
	tests := []struct {
		name         string
		method, path string
		header       header // Host is the request's host
		body         []byte
		status       int
		msg          string // a substring of the answer
		line         bool   // the error is placed in the YAML
		heavy        bool   // the process's peak memory is measured
	}{
		// Inputs that cost memory out of proportion to their size.
		{"deep nesting, 50 KB of [", "POST", "/api/run?model=sync", yamlCT, deep, 400, "nested", true, true},
		{"deep nesting inside JSON", "POST", "/api/run", jsonCT, run(map[string]any{"yaml": string(deep)}), 400, "nested", true, true},
		{"a body of 10 MB", "POST", "/api/run", jsonCT, bytes.Repeat([]byte(" "), 10<<20), 413, "larger than 256 KiB", false, true},

		// What a page elsewhere can make a browser send without asking:
		// a simple request, with no CORS preflight.
		{"text/plain", "POST", "/api/run?model=sync", header{"Content-Type": "text/plain;charset=UTF-8"}, seed, 415, `Content-Type "text/plain": send application/json`, false, false},
		{"no content type", "POST", "/api/run", nil, run(map[string]any{"yaml": string(seed)}), 415, "no Content-Type", false, false},
		{"a form", "POST", "/api/run", header{"Content-Type": "application/x-www-form-urlencoded"}, []byte("yaml=x"), 415, "application/x-www-form-urlencoded", false, false},
		{"multipart", "POST", "/api/run", header{"Content-Type": "multipart/form-data; boundary=x"}, []byte("--x--"), 415, "multipart/form-data", false, false},
		{"another site's page", "POST", "/api/run", with(jsonCT, "Origin", "http://evil.example"), run(map[string]any{"yaml": string(seed)}), 403, `page at "http://evil.example": this server answers only its own page, http://` + here, false, false},
		{"another site's page reading", "GET", "/api/examples", header{"Origin": "http://evil.example"}, nil, 403, "evil.example", false, false},
		{"a sandboxed page or a file", "POST", "/api/run", with(jsonCT, "Origin", "null"), run(map[string]any{"yaml": string(seed)}), 403, `"null"`, false, false},
		{"https on the same host", "GET", "/api/runtimes", header{"Origin": "https://" + here}, nil, 403, "https://", false, false},
		{"another port on the same host", "GET", "/api/runtimes", header{"Origin": "http://127.0.0.1:1"}, nil, 403, "127.0.0.1:1", false, false},
		{"a preflight from another site", "OPTIONS", "/api/run", header{"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}, nil, 403, "evil.example", false, false},
		{"a preflight from nowhere", "OPTIONS", "/api/run", nil, nil, 405, "method OPTIONS not allowed", false, false},
		{"DNS rebinding: the page", "GET", "/", header{"Host": "evil.example:" + port}, nil, 421, `request for host "evil.example:` + port + `": this server answers only as http://` + here + " or http://localhost:" + port, false, false},
		{"DNS rebinding: a run", "POST", "/api/run", with(jsonCT, "Host", "evil.example:"+port), run(map[string]any{"yaml": string(seed)}), 421, "evil.example", false, false},
		{"a loopback name on another port", "GET", "/api/runtimes", header{"Host": "localhost:1"}, nil, 421, "localhost:1", false, false},
		{"localhost without the port", "GET", "/api/runtimes", header{"Host": "localhost"}, nil, 421, "localhost", false, false},

		// The server's own names, from its own page.
		{"its own page", "POST", "/api/run?model=sync", with(yamlCT, "Origin", "http://"+here), seed, 200, `"results"`, false, false},
		{"as localhost", "POST", "/api/run?model=sync", with(with(yamlCT, "Origin", "http://localhost:"+port), "Host", "localhost:"+port), seed, 200, `"results"`, false, false},
		{"as [::1]", "GET", "/api/runtimes", header{"Origin": "http://[::1]:" + port, "Host": "[::1]:" + port}, nil, 200, "cpython", false, false},
		{"the page as LOCALHOST", "GET", "/", header{"Host": "LOCALHOST:" + port}, nil, 200, "<textarea", false, false},

		// Valid workloads that once crashed the server.
		{"two zero-length tasks under sync", "POST", "/api/run?model=sync", yamlCT, []byte("tasks:\n  - name: t\n    count: 2\n    steps: [{wait: 0s}]\n"), 200, `"model":"sync"`, false, false},
		{"work that draws zero", "POST", "/api/run", jsonCT, run(map[string]any{"yaml": "tasks:\n  - name: t\n    count: 100\n    steps: [{work: \"normal(2ms, 1ms)\"}]\n", "spans": true}), 200, `"timeline"`, false, false},

		// Malformed requests.
		{"bad JSON", "POST", "/api/run", jsonCT, []byte(`{"yaml": "tasks: []",`), 400, "the request is not a run request", false, false},
		{"unknown fields", "POST", "/api/run", jsonCT, []byte(`{"yaml": "x", "modles": ["sync"]}`), 400, `unknown field "modles"`, false, false},
		{"two JSON values", "POST", "/api/run", jsonCT, []byte(`{"yaml": "x"} {}`), 400, "more than one JSON value", false, false},
		{"JSON that is not an object", "POST", "/api/run", jsonCT, []byte(`["tasks"]`), 400, "the request is not a run request", false, false},
		{"a GET of the API", "GET", "/api/run", nil, nil, 405, "method GET not allowed", false, false},

		// Advise and sweep take the same care.
		{"advise: deep nesting", "POST", "/api/advise", jsonCT, run(map[string]any{"yaml": string(deep)}), 400, "nested", true, true},
		{"sweep: a body of 10 MB", "POST", "/api/sweep", jsonCT, bytes.Repeat([]byte(" "), 10<<20), 413, "larger than 256 KiB", false, true},
		{"advise: text/plain", "POST", "/api/advise", header{"Content-Type": "text/plain;charset=UTF-8"}, run(map[string]any{"yaml": string(seed)}), 415, `Content-Type "text/plain": send application/json`, false, false},
		{"sweep: the YAML alone", "POST", "/api/sweep", yamlCT, seed, 415, `Content-Type "application/yaml": send application/json (a sweep request)`, false, false},
		{"sweep: no content type", "POST", "/api/sweep", nil, run(map[string]any{"yaml": string(seed), "model": "threads(1..4)"}), 415, "no Content-Type", false, false},
		{"advise: another site's page", "POST", "/api/advise", with(jsonCT, "Origin", "http://evil.example"), run(map[string]any{"yaml": string(seed)}), 403, "evil.example", false, false},
		{"sweep: DNS rebinding", "POST", "/api/sweep", with(jsonCT, "Host", "evil.example:"+port), run(map[string]any{"yaml": string(seed), "model": "threads(1..4)"}), 421, "evil.example", false, false},
		{"advise: bad JSON", "POST", "/api/advise", jsonCT, []byte(`{"yaml": `), 400, "the request is not an advise request", false, false},
		{"sweep: two JSON values", "POST", "/api/sweep", jsonCT, []byte(`{"yaml": "x"} {}`), 400, "more than one JSON value", false, false},
		{"a GET of advise", "GET", "/api/advise", nil, nil, 405, "method GET not allowed", false, false},
		{"a file in no format", "POST", "/api/run?format=exe", yamlCT, seed, 400, `format "exe": want json, html, svg or trace`, false, false},
		{"advise from its own page", "POST", "/api/advise", with(jsonCT, "Origin", "http://"+here), run(map[string]any{"yaml": string(seed)}), 200, `"recommendation"`, false, false},
		{"sweep from its own page", "POST", "/api/sweep", with(jsonCT, "Origin", "http://"+here), run(map[string]any{"yaml": string(seed), "model": "threads(1..4)"}), 200, `"knee"`, false, false},
	}

	// Deep nesting must be refused before the YAML library sees it (50 KB
	// of it took gigabytes there): check it cheaply first, so that a
	// regression fails here rather than taking the machine's memory.
	if _, err := workload.Parse("", bytes.Repeat([]byte("["), 5000)); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Fatalf("workload does not refuse deep nesting (5,000 [ give %v)", err)
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				if k == "Host" {
					req.Host = v
				} else {
					req.Header.Set(k, v)
				}
			}
			var resp *http.Response
			var answer []byte
			send := func() {
				resp, err = srv.Client().Do(req)
				if err == nil {
					answer, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
			}
			peak, measured := int64(0), false
			if tt.heavy {
				peak, measured = peakMiB(t, send)
			} else {
				send()
			}
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, answer %.300s\nwant %d and %q", resp.StatusCode, answer, tt.status, tt.msg)
			}
			if tt.heavy && measured {
				t.Logf("peak resident memory %d MiB", peak)
				if peak > maxPeakMiB {
					t.Errorf("peak resident memory %d MiB, want under %d MiB", peak, maxPeakMiB)
				}
			}
			if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
				t.Errorf("Access-Control-Allow-Origin %q: no other origin may read an answer", v)
			}
			if cc := resp.Header.Get("Cache-Control"); strings.HasPrefix(tt.path, "/api/") && cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store on every API answer", cc)
			}
			if resp.StatusCode == 200 {
				if !bytes.Contains(answer, []byte(tt.msg)) {
					t.Errorf("answer %.300s\nwant %q in it", answer, tt.msg)
				}
				return
			}
			var e struct {
				Error string `json:"error"`
				Line  int    `json:"line"`
				Col   int    `json:"col"`
			}
			if err := json.Unmarshal(answer, &e); err != nil || bytes.Count(answer, []byte("\n")) != 1 {
				t.Errorf("answer %.300q, want one line of JSON", answer)
			}
			if !strings.Contains(e.Error, tt.msg) {
				t.Errorf("error %q, want %q in it", e.Error, tt.msg)
			}
			if tt.line && (e.Line < 1 || e.Col < 1) {
				t.Errorf("error at line %d col %d, want it placed in the YAML", e.Line, e.Col)
			}
		})
	}

	resp, err := srv.Client().Get(srv.URL + "/api/runtimes")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the hostile requests: %v %v; want the server to answer", resp, err)
	}
	resp.Body.Close()
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ioServer is an open workload whose knee, by Little's law, is above 20
// threads: 24 keep up, but queueing there still costs p99 (132 ms against
// 103 ms), so the knee is at 32.
const ioServer = `name: io-server
cores: 2
arrivals: {rate: 200/s, for: 10s}
tasks:
  - name: req
    steps: [{work: 1ms}, {wait: 100ms}]
`

func writeTemp(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSweep(t *testing.T) {
	file := writeTemp(t, "server.yaml", ioServer)
	r := conclab(t, nil, "sweep", file, "-m", "threads(1..64)", "--format", "json")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if r.stderr != "" {
		t.Errorf("stderr %q, want nothing (progress lines are for a terminal)", r.stderr)
	}
	var doc struct {
		Workload string `json:"workload"`
		Swept    string `json:"swept"`
		Points   []struct {
			Value   float64 `json:"value"`
			Model   string  `json:"model"`
			Metrics struct {
				MakespanS  float64               `json:"makespan_s"`
				Latency    struct{ P99 float64 } `json:"latency_s"`
				Overloaded bool                  `json:"overloaded"`
			} `json:"metrics"`
		} `json:"points"`
		Knee *struct {
			Value float64 `json:"value"`
			Model string  `json:"model"`
			Rule  string  `json:"rule"`
		} `json:"knee"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Workload != "io-server" || doc.Swept != "threads" || len(doc.Points) != 12 {
		t.Errorf("workload %q swept %q, %d points", doc.Workload, doc.Swept, len(doc.Points))
	}
	if doc.Knee == nil || doc.Knee.Model != "threads(32)" || doc.Knee.Rule == "" {
		t.Errorf("knee %+v, want threads(32)", doc.Knee)
	}
	if p := doc.Points[0]; p.Model != "threads(1)" || !p.Metrics.Overloaded {
		t.Errorf("first point %+v", p)
	}

	// The same sweep as text, SVG and HTML; a rate sweep.
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"sweep", file, "-m", "threads(1..64)"}, []string{"threads(32) ◀", "◀ knee at threads(32)", "threads(24) reaches that throughput too, but its p99 is 132 ms"}},
		{[]string{"sweep", file, "-m", "threads(1..64)", "--format", "svg"}, []string{"<svg", "knee at threads(32)", "(log scale)"}},
		{[]string{"sweep", file, "-m", "threads(1..64)", "--format", "html"}, []string{"<!doctype html>", "<svg", "<pre>"}},
		{[]string{"sweep", file, "-m", "threads(32)", "--rate", "100..400/s", "--steps", "4"}, []string{"100/s", "400/s", "arrival rate under threads(32)"}},
		{[]string{"sweep", "-e", "20 x [work 5ms, wait 50ms]", "-m", "threads(1..4)", "--cores", "2"}, []string{"threads(4)"}},
	} {
		r := conclab(t, nil, tt.args...)
		if r.code != exitOK {
			t.Errorf("%v: exit %d: %s", tt.args, r.code, r.stderr)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%v: output lacks %q", tt.args, w)
			}
		}
		if tt.args[len(tt.args)-1] != "svg" && tt.args[len(tt.args)-1] != "html" {
			checkLines(t, r.stdout, 100)
		}
	}

	// -o writes the file and nothing to stdout.
	out := filepath.Join(t.TempDir(), "plot.svg")
	if r := conclab(t, nil, "sweep", file, "-m", "threads(1..8)", "--format", "svg", "-o", out); r.code != exitOK || r.stdout != "" {
		t.Errorf("-o: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if data, err := os.ReadFile(out); err != nil || !strings.HasPrefix(string(data), "<svg") {
		t.Errorf("-o: %v %.40q", err, data)
	}
}

func TestSweepBadInput(t *testing.T) {
	file := writeTemp(t, "server.yaml", ioServer)
	batch := writeTemp(t, "batch.yaml", "tasks: [{name: a, count: 3, steps: [{wait: 1s}]}]\n")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"sweep", file}, "sweep needs a model with a range, e.g. -m 'threads(1..64)'"},
		{[]string{"sweep", file, "-m", "threads(8)"}, `-m "threads(8)": no range to sweep; give one such as threads(1..64)`},
		{[]string{"sweep", file, "-m", "threads(1..x)"}, `-m "threads(1..x)"`},
		{[]string{"sweep", batch, "-m", "threads(4)", "--rate", "1..10/s"}, "a rate sweep needs an open workload"},
		{[]string{"sweep", file, "-m", "threads(1..4)", "--rate", "1..10/s"}, "--rate sweeps the rate under one model"},
		{[]string{"sweep", file, "-m", "threads(4)", "--rate", "10..1/s"}, "--rate: invalid rate range"},
		{[]string{"sweep", file, "-m", "threads(1..4)", "--format", "png"}, `invalid --format "png"`},
		{[]string{"sweep", file, "-m", "asyncio(limit=1..4)", "--runtime", "java"}, "not available on runtime java"},
		{[]string{"sweep", "-m", "threads(1..4)"}, "missing workload"},
	}
	for _, tt := range tests {
		r := conclab(t, nil, tt.args...)
		if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %.40q, stderr %q; want exit 2 and %q", tt.args, r.code, r.stdout, r.stderr, tt.want)
		}
	}
}

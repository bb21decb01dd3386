package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/truth"
)

// TestVerifyOpenServer: verify on an open workload runs a real asyncio
// server and writes, per model, the prediction with "server", "measured"
// and "error"; the text form shows both sides and what ran.
func TestVerifyOpenServer(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	needPython(t)
	file := filepath.Join(t.TempDir(), "open.yaml")
	yaml := "name: open-check\narrivals: {rate: 20/s, for: 1s}\ntasks:\n  - name: req\n    steps: [{work: 1ms}, {wait: 10ms}]\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	// The check is of the plumbing, not the accuracy (TestVerifyOpenGunicornUvicorn
	// and truth's server tests compare): the p99 of 20 requests is their
	// slowest, which one scheduling hiccup of a loaded machine can make ten
	// times the prediction, so a miss of the tolerance (exit 1, the report
	// still written) passes here; any other failure does not.
	plumbing := func(r result) bool {
		return r.code == exitOK || r.code == exitFailure && strings.Contains(r.stderr, "beyond the tolerance")
	}
	r := conclab(t, nil, "verify", file, "-m", "asyncio", "--repeat", "1", "--tolerance", "300%", "--format", "json")
	if !plumbing(r) {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		Results []struct {
			Model    string `json:"model"`
			Server   string `json:"server"`
			Measured struct {
				Requests int     `json:"requests"`
				OK       int     `json:"ok"`
				P50      float64 `json:"p50_s"`
			} `json:"measured"`
			Error map[string]float64 `json:"error"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v in %s", err, r.stdout)
	}
	if len(doc.Results) != 1 {
		t.Fatalf("%d results, want 1", len(doc.Results))
	}
	res := doc.Results[0]
	if res.Model != "asyncio" || !strings.Contains(res.Server, "asyncio.start_server") ||
		res.Measured.Requests == 0 || res.Measured.OK != res.Measured.Requests || res.Measured.P50 <= 0.010 {
		t.Errorf("result %+v", res)
	}
	for _, k := range []string{"p50", "p99", "throughput"} {
		if _, ok := res.Error[k]; !ok {
			t.Errorf("error has no %q: %v", k, res.Error)
		}
	}

	r = conclab(t, nil, "verify", file, "-m", "threads(2)", "--repeat", "1", "--tolerance", "300%")
	if !plumbing(r) || !strings.Contains(r.stdout, "measured") || !strings.Contains(r.stdout, "ThreadPoolExecutor(2)") {
		t.Errorf("text: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
}

// TestVerifyOpenGunicornUvicorn: with a python that imports gunicorn and
// uvicorn (Debian's /usr/bin/python3 with the gunicorn and python3-uvicorn
// packages), verify serves processes(P)*threads(T) on gunicorn's gthread
// workers and processes(P)*asyncio on uvicorn, says so, measures the
// predicted throughput and a p50 near the prediction (within 50 % or
// 10 ms), and leaves no process behind.
func TestVerifyOpenGunicornUvicorn(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		testtool.Missing(t, "no %s: skipping verify on gunicorn and uvicorn (apt-get install gunicorn python3-uvicorn)", py)
	}
	av, err := truth.DetectServers(context.Background(), py)
	if err != nil || av.Gunicorn == "" || av.Uvicorn == "" {
		testtool.Missing(t, "%s cannot import gunicorn and uvicorn (%+v, %v): skipping verify on them (apt-get install gunicorn python3-uvicorn)", py, av, err)
	}
	file := filepath.Join(t.TempDir(), "open.yaml")
	yaml := "name: open-check\narrivals: {rate: 25/s, for: 2s}\ntasks:\n  - name: req\n    steps: [{work: 2ms}, {wait: 20ms}]\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	// The servers inherit this process's environment: the marker finds
	// whatever they leave.
	marker := fmt.Sprintf("CONCLAB_TEST_MARKER=%d-%d", os.Getpid(), time.Now().UnixNano())
	k, v, _ := strings.Cut(marker, "=")
	t.Setenv(k, v)
	// The tolerance is the test's own, below; verify's is set wide so
	// that its exit code says only whether the servers ran.
	args := []string{"verify", file, "-m", "processes(2)*threads(2)", "-m", "processes(2)*asyncio",
		"--python", py, "--repeat", "3", "--tolerance", "500%", "--format", "json"}
	r := conclab(t, nil, args...)
	if left := procsWithEnv(t, marker); len(left) > 0 {
		t.Fatalf("processes left running: %v", left)
	}
	if r.code != 0 {
		// Real servers on a loaded 2-core machine: one retry.
		t.Logf("first try: exit %d: %s", r.code, r.stderr)
		r = conclab(t, nil, args...)
		if left := procsWithEnv(t, marker); len(left) > 0 {
			t.Fatalf("processes left running: %v", left)
		}
	}
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		Results []struct {
			Model      string  `json:"model"`
			Runner     string  `json:"runner"`
			Server     string  `json:"server"`
			Throughput float64 `json:"throughput_per_s"`
			Latency    struct {
				P50 float64 `json:"p50"`
			} `json:"latency_s"`
			Measured struct {
				Requests   int     `json:"requests"`
				OK         int     `json:"ok"`
				P50        float64 `json:"p50_s"`
				Throughput float64 `json:"throughput"`
			} `json:"measured"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v in %s", err, r.stdout)
	}
	want := []struct{ model, runner, server string }{
		{"processes(2)*threads(2)", "gunicorn", "-k gthread -w 2 --threads 2"},
		{"processes(2)*asyncio", "uvicorn", "uvicorn --workers 2"},
	}
	if len(doc.Results) != len(want) {
		t.Fatalf("%d results, want %d: %s", len(doc.Results), len(want), r.stdout)
	}
	for i, w := range want {
		res := doc.Results[i]
		t.Logf("%s on %s: p50 %.1f ms (predicted %.1f), throughput %.1f/s (predicted %.1f)", res.Model, res.Runner,
			res.Measured.P50*1e3, res.Latency.P50*1e3, res.Measured.Throughput, res.Throughput)
		if res.Model != w.model || res.Runner != w.runner || !strings.Contains(res.Server, w.server) {
			t.Errorf("%s ran on %s (%s), want %s (%s)", res.Model, res.Runner, res.Server, w.runner, w.server)
		}
		if res.Measured.Requests == 0 || res.Measured.OK != res.Measured.Requests {
			t.Errorf("%s: %d of %d requests answered", res.Model, res.Measured.OK, res.Measured.Requests)
		}
		if math.Abs(res.Measured.Throughput-res.Throughput) > 0.2*res.Throughput {
			t.Errorf("%s: throughput %.1f/s, predicted %.1f/s", res.Model, res.Measured.Throughput, res.Throughput)
		}
		if d := math.Abs(res.Measured.P50 - res.Latency.P50); d > 0.010 && d > 0.5*res.Latency.P50 {
			t.Errorf("%s: p50 %.1f ms, predicted %.1f ms", res.Model, res.Measured.P50*1e3, res.Latency.P50*1e3)
		}
	}
}

// procsWithEnv lists the processes whose environment holds entry.
func procsWithEnv(t *testing.T, entry string) []string {
	t.Helper()
	envs, err := filepath.Glob("/proc/[0-9]*/environ")
	if err != nil || len(envs) == 0 {
		t.Skip("no /proc to scan")
	}
	self := fmt.Sprint(os.Getpid())
	var found []string
	for _, f := range envs {
		pid := filepath.Base(filepath.Dir(f))
		if pid == self {
			continue // the test itself, which set it
		}
		data, err := os.ReadFile(f)
		if err != nil {
			continue // gone, or not ours to read
		}
		for _, e := range strings.Split(string(data), "\x00") {
			if e == entry {
				found = append(found, pid)
			}
		}
	}
	return found
}

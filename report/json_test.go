package report

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

var resultKeys = []string{
	"model", "makespan_s", "throughput_per_s", "latency_s", "queue_delay_s",
	"cpu_busy_s", "cpu_utilization", "gil_wait_s", "gil_switches",
	"loop_stall_max_s", "slow_callbacks", "peak_threads", "peak_tasks",
	"peak_processes", "peak_memory_bytes", "peak_virtual_bytes",
}

func decode(t *testing.T, runs []Run, withTasks bool) (map[string]any, string) {
	t.Helper()
	wl := &workload.Workload{Name: "seed-waiting", Runtime: "cpython", Cores: 8}
	var buf bytes.Buffer
	if err := JSON(&buf, Header{Runtime: "cpython", Cores: 8, SwitchIntervalS: 0.005}, wl, runs, withTasks); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasSuffix(out, "}\n") {
		t.Errorf("output does not end with one object and a newline: %q", out[max(0, len(out)-10):])
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, out)
	}
	if dec.More() {
		t.Error("more than one JSON value")
	}
	return doc, out
}

func TestJSONContract(t *testing.T) {
	doc, out := decode(t, []Run{seedSync(), seedThreads(), seedAsyncio()}, true)
	if doc["workload"] != "seed-waiting" || doc["runtime"] != "cpython" || doc["cores"] != 8.0 {
		t.Errorf("header = %v %v %v", doc["workload"], doc["runtime"], doc["cores"])
	}
	results := doc["results"].([]any)
	if len(results) != 3 {
		t.Fatalf("%d results, want 3", len(results))
	}
	for _, r := range results {
		r := r.(map[string]any)
		for _, k := range append(resultKeys, "tasks") {
			if _, ok := r[k]; !ok {
				t.Errorf("%v: key %q missing", r["model"], k)
			}
		}
		if _, ok := r["tasks_omitted"]; ok {
			t.Errorf("%v: tasks_omitted beside tasks", r["model"])
		}
		for _, k := range []string{"latency_s", "queue_delay_s"} {
			st := r[k].(map[string]any)
			for _, q := range []string{"mean", "p50", "p95", "p99", "max"} {
				if _, ok := st[q].(float64); !ok {
					t.Errorf("%v: %s.%s missing", r["model"], k, q)
				}
			}
		}
	}
	threads := results[1].(map[string]any)
	want := map[string]any{
		"model":             "threads(3)",
		"makespan_s":        2.00015,
		"throughput_per_s":  1.5,
		"gil_wait_s":        12e-6,
		"gil_switches":      5.0,
		"peak_threads":      4.0,
		"peak_tasks":        3.0,
		"peak_processes":    1.0,
		"peak_memory_bytes": 10_010_624.0,
	}
	for k, v := range want {
		if got := threads[k]; got != v {
			if f, ok := v.(float64); !ok || math.Abs(got.(float64)-f) > 1e-12 {
				t.Errorf("threads(3) %s = %v, want %v", k, got, v)
			}
		}
	}
	if p99 := threads["latency_s"].(map[string]any)["p99"]; p99 != 2.00015 {
		t.Errorf("threads(3) latency p99 = %v", p99)
	}
	tasks := threads["tasks"].([]any)
	if len(tasks) != 3 {
		t.Fatalf("%d tasks, want 3", len(tasks))
	}
	first := tasks[0].(map[string]any)
	if first["name"] != "A" || first["release_s"] != 0.0 || first["start_s"] != 50e-6 || first["end_s"] != 2.00005 {
		t.Errorf("first task = %v", first)
	}
	// Keys come in the contract's order, the added ones after the
	// contract's header.
	order := []string{`"workload"`, `"runtime"`, `"cores"`, `"version"`, `"profile"`, `"switch_interval_s"`, `"seed"`, `"results"`, `"model"`, `"makespan_s"`, `"throughput_per_s"`, `"latency_s"`, `"queue_delay_s"`, `"cpu_busy_s"`, `"peak_virtual_bytes"`, `"tasks"`}
	at := 0
	for _, k := range order {
		i := strings.Index(out[at:], k)
		if i < 0 {
			t.Fatalf("key %s out of order", k)
		}
		at += i
	}
}

func TestJSONTasksOmitted(t *testing.T) {
	huge := seedThreads()
	r := *huge.Result
	r.Tasks, r.Records = 1_000_000, nil
	huge.Result = &r
	empty := Run{Result: &sim.Result{Model: "sync"}}
	weird := Run{Result: &sim.Result{Model: "asyncio", Throughput: math.NaN(), CPUUtilization: math.Inf(1)}}
	tests := []struct {
		name      string
		run       Run
		withTasks bool
		omitted   string // "" means tasks must be present
		nTasks    int
	}{
		{"flag", seedSync(), false, OmittedByFlag, 0},
		{"too many", huge, true, OmittedTooMany, 0},
		{"not kept", cpuThreads(), true, OmittedNotKept, 0},
		{"listed", seedSync(), true, "", 3},
		{"no tasks at all", empty, true, "", 0},
		{"not finite", weird, true, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := decode(t, []Run{tt.run}, tt.withTasks)
			res := doc["results"].([]any)[0].(map[string]any)
			tasks, hasTasks := res["tasks"]
			omitted, hasOmitted := res["tasks_omitted"]
			if tt.omitted != "" {
				if hasTasks || omitted != tt.omitted {
					t.Errorf("tasks present %v, tasks_omitted = %v; want omitted %q", hasTasks, omitted, tt.omitted)
				}
				return
			}
			if hasOmitted || !hasTasks {
				t.Fatalf("tasks present %v, tasks_omitted = %v; want a list", hasTasks, omitted)
			}
			if n := len(tasks.([]any)); n != tt.nTasks {
				t.Errorf("%d tasks, want %d", n, tt.nTasks)
			}
		})
	}
}

func TestJSONFallbacks(t *testing.T) {
	var buf bytes.Buffer
	run := Run{Result: &sim.Result{Model: "sync", Cores: 4}}
	if err := JSON(&buf, Header{}, nil, []Run{run}, false); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	prof, _ := doc["profile"].(map[string]any)
	if doc["runtime"] != "cpython" || doc["cores"] != 4.0 || doc["workload"] != "" || doc["version"] == "" ||
		prof["name"] != "cpython" || prof["source"] != ProfileBuiltin {
		t.Errorf("fallbacks: %v", doc)
	}
	if err := JSON(&buf, Header{}, nil, []Run{{}}, false); err == nil {
		t.Error("no error for a run without a result")
	}
}

// TestJSONHeader checks the keys added to SPEC §5's header: conclab's
// version, the profile and its source, the switch interval and the seed.
func TestJSONHeader(t *testing.T) {
	wl := &workload.Workload{Name: "w", Seed: 7}
	tests := []struct {
		name string
		h    Header
		want Header
	}{
		{"defaults", Header{}, Header{Workload: "w", Runtime: "cpython", Cores: 4, Version: "devel",
			Profile: ProfileRef{Name: "cpython", Source: ProfileBuiltin}, Seed: 7}},
		{"a profile file", Header{Runtime: "cpython-ft", Cores: 2, Version: "v1.2.3", SwitchIntervalS: 0.001,
			Profile: ProfileRef{Name: "cpython-ft", Source: "prof.yaml"}},
			Header{Workload: "w", Runtime: "cpython-ft", Cores: 2, Version: "v1.2.3", SwitchIntervalS: 0.001,
				Profile: ProfileRef{Name: "cpython-ft", Source: "prof.yaml"}, Seed: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := NewDocument(tt.h, wl, []Run{{Result: &sim.Result{Model: "sync", Cores: 4}}}, false)
			if err != nil {
				t.Fatal(err)
			}
			if doc.Header != tt.want {
				t.Errorf("header %+v, want %+v", doc.Header, tt.want)
			}
			var buf bytes.Buffer
			if err := WriteJSON(&buf, doc); err != nil {
				t.Fatal(err)
			}
			var keys map[string]json.RawMessage
			if err := json.Unmarshal(buf.Bytes(), &keys); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"workload", "runtime", "cores", "version", "profile", "switch_interval_s", "seed", "results"} {
				if _, ok := keys[k]; !ok {
					t.Errorf("key %q missing: %s", k, buf.Bytes())
				}
			}
		})
	}
}

// An open workload's results say the rate offered and the rate served
// apart, and throughput_per_s is the rate served; a batch's have neither.
func TestJSONOfferedAndServed(t *testing.T) {
	wl := &workload.Workload{Name: "api-io", Arrivals: &workload.Arrivals{Rate: 200, For: 10e9}}
	over := &sim.Result{Model: "sync", Makespan: 193_435_232_344, Tasks: 1920, Arrived: 1920,
		Offered: 192, Served: 9.9258, Throughput: 9.9258, Overloaded: true, Backlog: 1825}
	ok := &sim.Result{Model: "asyncio", Makespan: 10_762_000_000, Tasks: 1920, Arrived: 1920,
		Offered: 192, Served: 192, Throughput: 192}
	doc, err := NewDocument(Header{}, wl, []Run{{Result: over}, {Result: ok}}, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][3]float64{{9.9258, 192, 9.9258}, {192, 192, 192}} {
		m := doc.Results[i].Metrics
		if m.OfferedPerS == nil || m.ServedPerS == nil {
			t.Fatalf("%s: offered_per_s or served_per_s missing", doc.Results[i].Model)
		}
		if got := [3]float64{m.ThroughputPerS, *m.OfferedPerS, *m.ServedPerS}; got != want {
			t.Errorf("%s: throughput, offered, served = %v, want %v", doc.Results[i].Model, got, want)
		}
	}
	_, out := decode(t, []Run{seedThreads()}, false)
	for _, k := range []string{"offered_per_s", "served_per_s"} {
		if strings.Contains(out, k) {
			t.Errorf("a batch's result has %s", k)
		}
	}
}

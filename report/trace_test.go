package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/conclab/conclab/internal/golden"
)

// traceEvent is an event as a trace viewer reads it.
type traceEvent map[string]any

// validateTrace checks data against the rules of the Trace Event Format
// (the JSON Object Format: an object with a "traceEvents" array and an
// optional "displayTimeUnit" of "ms" or "ns") for the phases conclab
// writes: complete events "X" need name, ts and dur (µs, not negative),
// pid and tid (integers); metadata events "M" need a name of
// process_name, thread_name (with args.name a string) or
// process_sort_index, thread_sort_index (with args.sort_index an integer);
// counters "C" need name, ts, pid and numeric args. Every pid used is named
// by a process_name event and every pid/tid of a complete event by a
// thread_name event. It returns the events.
func validateTrace(t *testing.T, data []byte) []traceEvent {
	t.Helper()
	var doc struct {
		TraceEvents     []traceEvent `json:"traceEvents"`
		DisplayTimeUnit *string      `json:"displayTimeUnit"`
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		t.Fatalf("not a JSON object: %v", err)
	}
	if doc.TraceEvents == nil {
		t.Fatal(`no "traceEvents" array`)
	}
	if u := doc.DisplayTimeUnit; u != nil && *u != "ms" && *u != "ns" {
		t.Errorf(`displayTimeUnit %q: want "ms" or "ns"`, *u)
	}
	integer := func(e traceEvent, key string) (int64, bool) {
		n, ok := e[key].(json.Number)
		if !ok {
			return 0, false
		}
		i, err := n.Int64()
		return i, err == nil
	}
	micros := func(e traceEvent, key string) (float64, bool) {
		n, ok := e[key].(json.Number)
		if !ok {
			return 0, false
		}
		f, err := n.Float64()
		return f, err == nil && !math.IsNaN(f) && f >= 0
	}
	type thread struct{ pid, tid int64 }
	processNamed := map[int64]bool{}
	threadNamed := map[thread]bool{}
	pids := map[int64]bool{}
	threads := map[thread]bool{}
	for i, e := range doc.TraceEvents {
		where := fmt.Sprintf("event %d %v", i, e)
		name, ok := e["name"].(string)
		if !ok {
			t.Fatalf("%s: no name", where)
		}
		pid, ok := integer(e, "pid")
		if !ok {
			t.Fatalf("%s: pid is not an integer", where)
		}
		pids[pid] = true
		tid, hasTID := integer(e, "tid")
		if _, present := e["tid"]; present && !hasTID {
			t.Fatalf("%s: tid is not an integer", where)
		}
		args, _ := e["args"].(map[string]any)
		switch e["ph"] {
		case "X":
			if !hasTID {
				t.Fatalf("%s: complete event without a tid", where)
			}
			if _, ok := micros(e, "ts"); !ok {
				t.Fatalf("%s: ts missing or negative", where)
			}
			if _, ok := micros(e, "dur"); !ok {
				t.Fatalf("%s: dur missing or negative", where)
			}
			threads[thread{pid, tid}] = true
		case "M":
			switch name {
			case "process_name", "thread_name":
				if _, ok := args["name"].(string); !ok {
					t.Fatalf("%s: %s without args.name", where, name)
				}
			case "process_sort_index", "thread_sort_index":
				if n, ok := args["sort_index"].(json.Number); !ok || strings.ContainsAny(n.String(), ".eE") {
					t.Fatalf("%s: %s without an integer args.sort_index", where, name)
				}
			default:
				t.Fatalf("%s: unknown metadata %q", where, name)
			}
			switch name {
			case "process_name":
				processNamed[pid] = true
			case "thread_name":
				if !hasTID {
					t.Fatalf("%s: thread_name without a tid", where)
				}
				threadNamed[thread{pid, tid}] = true
			}
		case "C":
			if _, ok := micros(e, "ts"); !ok {
				t.Fatalf("%s: ts missing or negative", where)
			}
			if len(args) == 0 {
				t.Fatalf("%s: a counter without values", where)
			}
			for k, v := range args {
				if _, ok := v.(json.Number); !ok {
					t.Fatalf("%s: counter value %s is not a number", where, k)
				}
			}
		default:
			t.Fatalf("%s: phase %v is not one conclab writes", where, e["ph"])
		}
	}
	for pid := range pids {
		if !processNamed[pid] {
			t.Errorf("pid %d has no process_name", pid)
		}
	}
	for th := range threads {
		if !threadNamed[th] {
			t.Errorf("pid %d tid %d has no thread_name", th.pid, th.tid)
		}
	}
	return doc.TraceEvents
}

func traceOf(t *testing.T, runs []Run) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Trace(&buf, nil, runs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTraceGolden(t *testing.T) {
	wl, seed := simRuns(t, "seed-io", seedModels...)
	_, blocking := simRuns(t, "seed-blocking", "asyncio")
	tests := []struct {
		name string
		runs []Run
	}{
		{"seed", seed},
		{"blocking", blocking},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Trace(&buf, wl, tt.runs); err != nil {
				t.Fatal(err)
			}
			validateTrace(t, buf.Bytes())
			golden.Check(t, "testdata/trace_"+tt.name+".golden", buf.Bytes())
		})
	}
}

// find returns the events with the given phase and name.
func find(events []traceEvent, ph, name string) []traceEvent {
	var out []traceEvent
	for _, e := range events {
		if e["ph"] == ph && e["name"] == name {
			out = append(out, e)
		}
	}
	return out
}

func TestTraceContent(t *testing.T) {
	_, seed := simRuns(t, "seed-io", seedModels...)
	events := validateTrace(t, traceOf(t, seed))
	var procs []string
	for _, e := range find(events, "M", "process_name") {
		procs = append(procs, e["args"].(map[string]any)["name"].(string))
	}
	want := "sync · main process|sync · tasks|threads(3) · main process|threads(3) · tasks|asyncio · main process|asyncio · tasks"
	if got := strings.Join(procs, "|"); got != want {
		t.Errorf("processes %s, want %s", got, want)
	}
	// The three waits of sync, one after another, in µs.
	var waits []string
	for _, e := range events {
		if e["ph"] == "X" && e["cat"] == "waiting" && e["pid"].(json.Number).String() == "10000" {
			waits = append(waits, fmt.Sprintf("%s %v+%v", e["name"], e["ts"], e["dur"]))
		}
	}
	if got := strings.Join(waits, ", "); got != "A 0+2000090.45, B 2000090.45+2000090.45, C 4000180.9+2000090.45" {
		t.Errorf("sync's waits: %s", got)
	}
	// Tasks in flight: 3 at 0, none at the end.
	counts := find(events, "C", "tasks in flight")
	if len(counts) < 2 || fmt.Sprint(counts[0]["args"]) != "map[tasks:3]" || fmt.Sprint(counts[len(counts)-1]["args"]) != "map[tasks:0]" {
		t.Errorf("tasks in flight: %v", counts)
	}

	// GIL waits and loop stalls have names of their own.
	_, cpu := simRuns(t, "seed-cpu", "threads(2)")
	if n := len(find(validateTrace(t, traceOf(t, cpu)), "X", "GIL wait")); n < 100 {
		t.Errorf("threads(2) of seed-cpu: %d GIL waits", n)
	}
	_, blocking := simRuns(t, "seed-blocking", "asyncio")
	events = validateTrace(t, traceOf(t, blocking))
	for _, task := range []string{"A", "B", "C"} {
		stalls := find(events, "X", "loop stall · "+task)
		if len(stalls) != 1 || stalls[0]["cat"] != "blocked" || stalls[0]["tid"].(json.Number).String() != "1" {
			t.Errorf("the stall of %s: %v", task, stalls)
		}
	}
}

func TestTraceEscapesNames(t *testing.T) {
	const hostile = "\"}],\x00<b>\u2028\xff"
	runs := []Run{seedThreads(), seedAsyncio()}
	for _, run := range runs {
		run.Result.Model = hostile
		for i := range run.Result.Lanes {
			run.Result.Lanes[i].Name = hostile
		}
		for i := range run.Result.Records {
			run.Result.Records[i].Name = hostile
		}
	}
	events := validateTrace(t, traceOf(t, runs))
	if n := len(find(events, "M", "thread_name")); n < 4 {
		t.Errorf("%d thread names", n)
	}
}

func TestTraceEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		runs []Run
	}{
		{"no spans", []Run{{Result: seedSync().Result}}},
		{"no runs", nil},
		{"many tasks", []Run{manyTasks(400)}},
		{"composite", []Run{composite(), cpuThreads()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := validateTrace(t, traceOf(t, tt.runs))
			if tt.name == "many tasks" && len(find(events, "M", "asyncio · tasks")) > 0 {
				t.Error("400 tasks get tracks; want none beyond 256")
			}
		})
	}
	if err := Trace(io.Discard, nil, []Run{{}}); err == nil {
		t.Error("a run without a result: want an error")
	}
}

func TestMicros(t *testing.T) {
	for ns, want := range map[int64]string{0: "0", 1: "0.001", 1000: "1", 146223: "146.223", 2000085366: "2000085.366", 1500: "1.5"} {
		if got := micros(ns); got != want {
			t.Errorf("micros(%d) = %s, want %s", ns, got, want)
		}
	}
}

func BenchmarkTrace(b *testing.B) {
	_, runs := simRuns(b, "-e 10000 x [work 1ms, wait 100ms]", "threads(8)", "asyncio")
	b.ResetTimer()
	for range b.N {
		if err := Trace(io.Discard, nil, runs); err != nil {
			b.Fatal(err)
		}
	}
}

package report

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/internal/golden"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// traceOf is the trace of runs, validated.
func traceOf(t testing.TB, wl *workload.Workload, runs []Run, opt TraceOptions) *checkedTrace {
	t.Helper()
	var buf bytes.Buffer
	if err := Trace(&buf, wl, runs, opt); err != nil {
		t.Fatal(err)
	}
	return validateTrace(t, buf.Bytes())
}

func TestTraceGolden(t *testing.T) {
	tests := []struct {
		name, workload string
		models         []string
	}{
		{"seed", "seed-io", seedModels},
		{"blocking", "seed-blocking", []string{"asyncio"}},
		{"cpu", "-e 2 x [work 20ms]", []string{"threads(2)", "processes(2)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wl, runs := simRuns(t, tt.workload, tt.models...)
			var buf bytes.Buffer
			if err := Trace(&buf, wl, runs, TraceOptions{}); err != nil {
				t.Fatal(err)
			}
			validateTrace(t, buf.Bytes())
			golden.Check(t, "testdata/trace_"+tt.name+".golden", buf.Bytes())
		})
	}
}

// taskTracks are, by process name, the tasks' async tracks of a trace:
// for each task (its outer slice's name), the names of the slices nested
// in it, in order.
func taskTracks(ct *checkedTrace) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	type key struct {
		pid int64
		id  string
	}
	outer := map[key]string{}
	for i, e := range ct.Events {
		if e["ph"] != "b" {
			continue
		}
		pid, _ := e.int("pid")
		local := e["id2"].(map[string]any)["local"].(string)
		proc := ct.Processes[pid]
		if out[proc] == nil {
			out[proc] = map[string][]string{}
		}
		if ct.Depth[i] == 0 {
			outer[key{pid, local}] = e.str("name")
			out[proc][e.str("name")] = []string{}
			continue
		}
		task := outer[key{pid, local}]
		out[proc][task] = append(out[proc][task], e.str("name"))
	}
	return out
}

// The built-in examples with many tasks show every task's track, on its
// process, under every model; nothing is cut off. A coroutine's waits are
// on its track, a thread's on the thread.
func TestTraceExamples(t *testing.T) {
	waiting := describe(sim.Waiting, true)
	for _, tt := range []struct {
		example string
		models  []string
	}{
		{"memory", []string{"threads(1000)", "asyncio"}},
		{"api-io", []string{"sync", "threads(16)", "asyncio"}},
	} {
		t.Run(tt.example, func(t *testing.T) {
			wl, runs := simRuns(t, tt.example, tt.models...)
			var buf bytes.Buffer
			if err := Trace(&buf, wl, runs, TraceOptions{}); err != nil {
				t.Fatal(err)
			}
			ct := validateTrace(t, buf.Bytes())
			t.Logf("%s: %d events, %.1f MB", tt.example, len(ct.Events), float64(buf.Len())/1e6)
			tracks := taskTracks(ct)
			for _, run := range runs {
				r := run.Result
				proc := clean(r.Model) + " · " + ProcessName(0)
				tasks := tracks[proc]
				waited := map[string]bool{}
				for task, states := range tasks {
					if slices.Contains(states, waiting) {
						waited[task] = true
					}
				}
				where := "on their tracks"
				if r.Lanes[0].Kind != sim.LoopThread {
					where = "on threads"
					clear(waited)
					for _, e := range find(ct.Events, "X", waiting) {
						task, ok := e.args()["task"].(string)
						if pid, _ := e.int("pid"); ok && ct.Processes[pid] == proc {
							waited[task] = true
						}
					}
				}
				if len(tasks) != r.Tasks || len(waited) != r.Tasks {
					t.Errorf("%s: %d of %d tasks have a track on %q, %d waits %s", r.Model, len(tasks), r.Tasks, proc, len(waited), where)
				}
			}
		})
	}
}

// Every built-in example's trace is well formed, under every kind of
// model (api-io and memory, the large ones, are TestTraceExamples').
func TestTraceEveryExample(t *testing.T) {
	models := []string{"sync", "threads(3)", "threads", "asyncio", "asyncio(limit=2, executor=2)",
		"processes(2)", "processes(2)*threads(2)", "processes(2)*asyncio"}
	for _, ex := range examples.List() {
		if ex.Name == "api-io" || ex.Name == "memory" {
			continue
		}
		t.Run(ex.Name, func(t *testing.T) {
			wl, runs := simRuns(t, ex.Name, models...)
			traceOf(t, wl, runs, TraceOptions{})
		})
	}
}

// Slices are named by state, under a slice of their task; the task is
// also an arg. A loop stalled by a blocking call is blocked under the
// task that made the call.
func TestTraceStates(t *testing.T) {
	_, seed := simRuns(t, "seed-io", seedModels...)
	ct := traceOf(t, nil, seed, TraceOptions{})
	var procs []string
	for _, e := range find(ct.Events, "M", "process_name") {
		procs = append(procs, e.args()["name"].(string))
	}
	if got, want := strings.Join(procs, "|"), "sync · main process|threads(3) · main process|asyncio · main process"; got != want {
		t.Errorf("processes %s, want %s", got, want)
	}
	// sync waits for A, B and C one after another, in µs, each in its task.
	waiting := describe(sim.Waiting, true)
	var waits []string
	for _, e := range find(ct.Events, "X", waiting) {
		if pid, _ := e.int("pid"); ct.Processes[pid] == "sync · main process" {
			waits = append(waits, fmt.Sprintf("%s %v+%v", e.args()["task"], e["ts"], e["dur"]))
		}
	}
	if got := strings.Join(waits, ", "); got != "A 0+2000081.881, B 2000081.881+2000081.881, C 4000163.762+2000081.881" {
		t.Errorf("sync's waits: %s", got)
	}
	for _, task := range []string{"A", "B", "C"} {
		if n := len(find(ct.Events, "X", task)); n != 3+1 { // sync, threads, and asyncio twice (start, end)
			t.Errorf("%d slices of task %s on lanes, want 4", n, task)
		}
	}
	// Tasks in flight: 3 at 0, none at the end.
	counts := find(ct.Events, "C", "tasks in flight")
	if len(counts) < 2 || fmt.Sprint(counts[0].args()) != "map[tasks:3]" || fmt.Sprint(counts[len(counts)-1].args()) != "map[tasks:0]" {
		t.Errorf("tasks in flight: %v", counts)
	}

	_, blocking := simRuns(t, "seed-blocking", "asyncio")
	ct = traceOf(t, nil, blocking, TraceOptions{})
	loop := traceThread{}
	for th, name := range ct.Threads {
		if name == "loop" {
			loop = th
		}
	}
	for _, task := range []string{"A", "B", "C"} {
		stalls := 0
		for _, e := range find(ct.Events, "X", describe(sim.Blocked, true)) {
			pid, _ := e.int("pid")
			tid, _ := e.int("tid")
			if e.args()["task"] == task && (traceThread{pid, tid}) == loop && e["cat"] == "blocked" {
				stalls++
			}
		}
		if stalls != 1 {
			t.Errorf("the loop is blocked %d times by %s, want once", stalls, task)
		}
	}
}

// Each process of several threads has a track of who holds its GIL: two
// CPU-bound threads hand it over every switch interval.
func TestTraceGIL(t *testing.T) {
	_, runs := simRuns(t, "seed-cpu", "threads(2)", "processes(2)")
	ct := traceOf(t, nil, runs, TraceOptions{})
	var gil []traceThread
	for th, name := range ct.Threads {
		if name == "GIL holder" {
			gil = append(gil, th)
		}
	}
	if len(gil) != 1 || ct.Processes[gil[0].pid] != "threads(2) · main process" {
		t.Fatalf("GIL tracks %v; want one, of threads(2)'s main process (processes(2)'s have one thread each)", gil)
	}
	var holders []string
	for _, e := range ct.Events {
		pid, _ := e.int("pid")
		tid, _ := e.int("tid")
		if e["ph"] == "X" && (traceThread{pid, tid}) == gil[0] {
			if n := len(holders); n > 0 && holders[n-1] == e.str("name") {
				t.Fatalf("two slices of %s back to back: one hold", e.str("name"))
			}
			holders = append(holders, e.str("name"))
		}
	}
	handovers := 0
	for i := 1; i < len(holders); i++ {
		if holders[i] != holders[i-1] {
			handovers++
		}
	}
	if switches := runs[0].Result.GILSwitches; int64(handovers) < switches/2 || !strings.Contains(strings.Join(holders, " "), "worker-1 worker-2 worker-1") {
		t.Errorf("%d hand-overs on the GIL track (%d switches in the run): %v…", handovers, switches, holders[:min(len(holders), 8)])
	}
}

// A flow goes from each task's release (its async slice) to where a
// worker, a process or the loop first runs it, when it waited for that.
func TestTraceFlows(t *testing.T) {
	_, runs := simRuns(t, "seed-io", "threads(2)", "asyncio", "processes(2)")
	ct := traceOf(t, nil, runs, TraceOptions{})
	var got []string
	for _, f := range ct.Flows {
		pid, _ := f[1].int("pid")
		tid, _ := f[1].int("tid")
		from, _ := f[0].ns("ts")
		to, _ := f[1].ns("ts")
		if f[0].str("name") != f[1].str("name") {
			t.Errorf("a flow from %s's release to %s", f[0].str("name"), f[1].str("name"))
		}
		got = append(got, fmt.Sprintf("%s: %s %s at %s (released %s)", ct.Processes[pid], f[1].str("name"), ct.Threads[traceThread{pid, tid}], Seconds(to), Seconds(from)))
	}
	slices.Sort(got)
	flows := strings.Join(got, "\n")
	for _, want := range []string{
		"threads(2) · main process: C worker-1 at 2.000 s (released 0 s)",
		"asyncio · main process: A loop at",
		"processes(2) · process 2: B proc-2 at",
	} {
		if !strings.Contains(flows, want) {
			t.Errorf("no flow %q in\n%s", want, flows)
		}
	}
}

// A run without spans is said to be so, in the trace, with the reason
// given.
func TestTraceNoSpans(t *testing.T) {
	runs := []Run{seedThreads(), {Result: seedSync().Result}}
	const why = "30,000 tasks, more than the 20,000 whose spans are kept"
	ct := traceOf(t, nil, runs, TraceOptions{NoSpans: []string{"", why}})
	note := TraceNote(runs[1], why)
	if !strings.Contains(note, why) || !strings.HasPrefix(note, "sync: ") || TraceNote(runs[0], why) != "" {
		t.Errorf("notes %q and %q", note, TraceNote(runs[0], why))
	}
	instants := find(ct.Events, "i", note)
	if len(instants) != 1 {
		t.Fatalf("the note's instants: %v", instants)
	}
	if pid, _ := instants[0].int("pid"); ct.Processes[pid] != "sync · main process" {
		t.Errorf("the note is on %s", ct.Processes[pid])
	}
	if notes, _ := ct.Other["notes"].([]any); len(notes) != 1 || notes[0] != note {
		t.Errorf("otherData.notes: %v", ct.Other["notes"])
	}
	// Without a reason, the note still says the spans are missing.
	if note := TraceNote(runs[1], ""); !strings.Contains(note, "no spans") {
		t.Errorf("note without a reason: %q", note)
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
	ct := traceOf(t, nil, runs, TraceOptions{})
	if n := len(find(ct.Events, "M", "thread_name")); n < 4 {
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
			ct := traceOf(t, nil, tt.runs, TraceOptions{})
			if tt.name == "many tasks" {
				if n := len(taskTracks(ct)["asyncio · main process"]); n != 400 {
					t.Errorf("%d of 400 tasks have a track", n)
				}
			}
		})
	}
	if err := Trace(io.Discard, nil, []Run{{}}, TraceOptions{}); err == nil {
		t.Error("a run without a result: want an error")
	}
}

// Each state drawn has a colour of its own in chrome://tracing.
func TestTraceColors(t *testing.T) {
	seen := map[string]sim.State{}
	for s := range sim.State(nStates) {
		c := traceColor[s]
		if (c == "") != (s == sim.Idle) {
			t.Errorf("state %s has colour %q", s, c)
		}
		if other, dup := seen[c]; dup && c != "" {
			t.Errorf("%s and %s are both %s", other, s, c)
		}
		seen[c] = s
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
		if err := Trace(io.Discard, nil, runs, TraceOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

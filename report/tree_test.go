package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/conclab/conclab/sim"
)

const crawlTree = `
tasks:
  - name: crawl
    steps:
      - wait: 10ms
      - gather:
          - count: 2
            steps: [{wait: 20ms}, {gather: [{count: 2, steps: [{wait: 5ms}]}]}]
          - steps: [{wait: 40ms}]
  - name: other
    steps: [{wait: 5ms}]`

// A gather's child tasks are rows of their own, each right under its
// parent, marked as its child, drawing the child's own states.
func TestBranchRows(t *testing.T) {
	wl, runs := simulate(t, crawlTree, "asyncio")
	run := runs[0]
	rows := NewTimelineRows(run, wl, run.Result.Makespan, 80)
	var got []string
	for _, r := range rows.Rows {
		if r.Kind == TaskRow {
			got = append(got, r.Label(40))
		}
	}
	want := []string{"crawl", "↳ crawl/1", "  ↳ crawl/1/1", "  ↳ crawl/1/2", "↳ crawl/2",
		"  ↳ crawl/2/1", "  ↳ crawl/2/2", "↳ crawl/3", "other"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("task rows %q, want %q", got, want)
	}
	for _, r := range rows.Rows {
		if r.Kind != TaskRow || r.Name != "crawl/3" {
			continue
		}
		// crawl/3 waits 40 ms from when crawl gathered it, at 10 ms.
		spans := rows.Spans(r)
		var waited int64
		for _, s := range spans {
			if s.State == sim.Waiting {
				waited += s.End - s.Start
			}
			if s.Task != r.Task {
				t.Errorf("a branch's span names task %d, not its task %d", s.Task, r.Task)
			}
		}
		if waited < 40_000_000 || spans[0].Start < 10_000_000 {
			t.Errorf("crawl/3's spans %+v: want its 40 ms wait from 10 ms on", spans)
		}
	}

	// The terminal, the SVG and the HTML report draw them.
	var b bytes.Buffer
	if err := Timeline(&b, run, Options{Width: 100}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\n↳ crawl/2") || !strings.Contains(b.String(), "  ↳ crawl/2/1") {
		t.Errorf("terminal timeline:\n%s", b.String())
	}
	b.Reset()
	if err := SVG(&b, runs, SVGOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), ">↳ crawl/2/1<") {
		t.Errorf("the SVG lacks the row of crawl/2/1")
	}
}

// Rows of branches come level by level while all the rows fit: a tree
// too big for them shows its tasks and its first level.
func TestBranchRowsFit(t *testing.T) {
	wl, runs := simulate(t, `
tasks:
  - name: crawl
    steps: [{gather: [{count: 6, steps: [{gather: [{count: 6, steps: [{wait: 1ms}]}]}]}]}]`, "asyncio", "threads(2, fanout=8)")
	rows := NewTimelineRows(runs[0], wl, runs[0].Result.Makespan, 80)
	n := 0
	for _, r := range rows.Rows {
		if r.Kind == TaskRow {
			n++
			if r.Depth > 1 {
				t.Errorf("row %s of depth %d: the second level does not fit", r.Name, r.Depth)
			}
		}
	}
	if n != 7 {
		t.Errorf("%d task rows, want crawl and its 6 branches", n)
	}
	// Threads draw tasks on their lanes, and have no task rows.
	rows = NewTimelineRows(runs[1], wl, runs[1].Result.Makespan, 80)
	for _, r := range rows.Rows {
		if r.Kind == TaskRow {
			t.Errorf("threads: task row %s", r.Name)
		}
	}
}

// In the trace, each child task has an async track of its own, named
// after it with its parent in its args, and a flow from the slice on its
// gatherer's thread where the gather made it; the threads' pool submits
// them under threads.
func TestTraceBranches(t *testing.T) {
	wl, runs := simulate(t, crawlTree, "asyncio", "threads(1, fanout=4)")
	ct := traceOf(t, wl, runs, TraceOptions{})
	for _, model := range []string{"asyncio", "threads(1, fanout=4)"} {
		verb := "create "
		if model != "asyncio" {
			verb = "submit "
		}
		pids := map[int64]bool{}
		for pid, name := range ct.Processes {
			if strings.HasPrefix(name, model+" · ") {
				pids[pid] = true
			}
		}
		tracks := map[string]string{} // branch → parent
		for _, e := range ct.Events {
			if pid, _ := e.int("pid"); pids[pid] && e.str("ph") == "b" && e.str("cat") == "task" && e.args()["parent"] != nil {
				tracks[e.str("name")] = e.args()["parent"].(string)
				f, ok := ct.Flows[mustInt(t, e, "bind_id")]
				if !ok || f[0].str("name") != verb+e.str("name") || f[0].args()["gather"] != e.args()["parent"] {
					t.Errorf("%s: %s's flow starts at %v", model, e.str("name"), f[0])
				}
			}
		}
		want := map[string]string{"crawl/1": "crawl", "crawl/1/1": "crawl/1", "crawl/1/2": "crawl/1", "crawl/2": "crawl",
			"crawl/2/1": "crawl/2", "crawl/2/2": "crawl/2", "crawl/3": "crawl"}
		if len(tracks) != len(want) {
			t.Errorf("%s: branch tracks %v, want %v", model, tracks, want)
		}
		for b, p := range want {
			if tracks[b] != p {
				t.Errorf("%s: %s's track has parent %q, want %q", model, b, tracks[b], p)
			}
		}
	}
}

func mustInt(t *testing.T, e parsedEvent, key string) int64 {
	t.Helper()
	n, ok := e.int(key)
	if !ok {
		t.Fatalf("%v: no %s", e, key)
	}
	return n
}

// A resource is a pair of counters in the trace: its units in use, never
// above its capacity and at it while tasks queue, and the tasks waiting.
// (A lock, whose waiters are served in order: a semaphore of CPython's
// threading has units free while the waiters it woke get their GIL back.)
func TestTraceResourceCounters(t *testing.T) {
	wl, runs := simulate(t, "resources: {db: {capacity: 1}}\ntasks: [{count: 5, steps: [{use: db, steps: [{wait: 10ms}]}]}]", "threads(5)")
	ct := traceOf(t, wl, runs, TraceOptions{})
	var inUse, waiting []float64
	for _, e := range ct.Events {
		if e.str("ph") != "C" {
			continue
		}
		switch e.str("name") {
		case "db in use":
			v, _ := e.args()["units"].(json.Number).Float64()
			inUse = append(inUse, v)
		case "db waiting":
			v, _ := e.args()["tasks"].(json.Number).Float64()
			waiting = append(waiting, v)
		}
	}
	if len(inUse) == 0 || len(inUse) != len(waiting) {
		t.Fatalf("counters: %d in use, %d waiting", len(inUse), len(waiting))
	}
	if slices.Max(inUse) != 1 || slices.Max(waiting) != 4 || inUse[len(inUse)-1] != 0 || waiting[len(waiting)-1] != 0 {
		t.Errorf("db in use %v, waiting %v: want up to 1 in use and 4 waiting, both 0 at the end", inUse, waiting)
	}
	for i := range inUse {
		if waiting[i] > 0 && inUse[i] != 1 {
			t.Errorf("%v waiting while %v of 1 in use", waiting[i], inUse[i])
		}
	}
}

// A resource is a row of the SVG (and so of the HTML report): its units
// in use over time, who holds them and how many wait, on hover.
func TestSVGResourceRow(t *testing.T) {
	_, runs := simulate(t, "resources: {db: {capacity: 2}}\ntasks: [{name: q, count: 5, steps: [{use: db, steps: [{wait: 10ms}]}]}]", "threads(5)")
	var b bytes.Buffer
	if err := SVG(&b, runs, SVGOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`>resources (units in use; waiting tasks above)</text>`,
		`>db</text>`,
		`<title>db · 2 of 2 in use, by q-1, q-2 · 3 tasks waiting (`,
		`<title>db · 1 of 2 in use, by q-5 (`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the SVG lacks %q", want)
		}
	}
	// Without resources, no such row.
	_, runs = simulate(t, "tasks: [{count: 2, steps: [{wait: 10ms}]}]", "threads(2)")
	b.Reset()
	if err := SVG(&b, runs, SVGOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "resources (") {
		t.Error("a run without resources has a resources row")
	}
}

// A trace gives the first maxTraceBranches child tasks a track and says
// how many more there were.
func TestTraceBranchesCapped(t *testing.T) {
	wl, runs := simulate(t, "tasks: [{name: t, steps: [{gather: [{count: 10001, steps: [{wait: 1ms}]}]}]}]", "asyncio")
	ct := traceOf(t, wl, runs, TraceOptions{})
	tracks, note := 0, false
	for _, e := range ct.Events {
		if e.str("ph") == "b" && e.args()["parent"] != nil {
			tracks++
		}
		note = note || e.str("name") == "the first 10,000 of 10,001 child tasks have tracks"
	}
	if tracks != maxTraceBranches || !note {
		t.Errorf("%d branch tracks (note %v), want %d and a note", tracks, note, maxTraceBranches)
	}
}

package report

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// simulate runs the YAML workload src under each model, keeping its spans.
func simulate(t *testing.T, src string, models ...string) (*workload.Workload, []Run) {
	t.Helper()
	wl, err := workload.Parse("w.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := runtime.Builtin("cpython")
	var runs []Run
	for _, m := range models {
		d, err := model.Parse(m)
		if err != nil {
			t.Fatal(err)
		}
		rec := &sim.Recorder{}
		r, err := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2,
			SwitchInterval: 5_000_000, RecordTasks: true, Sink: rec})
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, Run{Result: r, Spans: rec})
	}
	return wl, runs
}

const lockOrder = `
resources: {a: {capacity: 1}, b: {capacity: 1}}
tasks:
  - {name: A, steps: [{use: a, steps: [{wait: 10ms}, {use: b, steps: [{wait: 1ms}]}]}]}
  - {name: B, steps: [{use: b, steps: [{wait: 10ms}, {use: a, steps: [{wait: 1ms}]}]}]}
  - {name: C, steps: [{work: 5ms}]}`

// The table shows the time tasks waited for resources only for a workload
// that has some, and says what a deadlock was.
func TestTableResourcesAndDeadlock(t *testing.T) {
	_, runs := simulate(t, lockOrder, "sync", "threads(2)")
	var b bytes.Buffer
	if err := Table(&b, runs, Options{Width: 160}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"GIL sw  res wait",
		"threads(2) ✗",
		"note: ✗ deadlock under threads(2) at 10.3 ms: A holds a, worker-1 and waits for b; B holds b, worker-2 and waits for a; the run stopped there, 0 tasks finished",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := Table(&b, seedRuns(), Options{Width: 160}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "res wait") {
		t.Errorf("a workload without resources has the column:\n%s", b.String())
	}
}

func TestJSONResourcesAndDeadlock(t *testing.T) {
	wl, runs := simulate(t, lockOrder, "sync", "threads(2)")
	var buf bytes.Buffer
	if err := JSON(&buf, Header{}, wl, runs, true); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Results []struct {
			Model         string         `json:"model"`
			ResourceWaitS *float64       `json:"resource_wait_s"`
			Resources     []ResourceUse  `json:"resources"`
			Deadlock      map[string]any `json:"deadlock"`
			Tasks         []map[string]any
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	syncRun, threads := doc.Results[0], doc.Results[1]
	if syncRun.ResourceWaitS == nil || len(syncRun.Resources) != 2 || syncRun.Resources[0].Name != "a" || syncRun.Resources[0].Acquires != 2 || syncRun.Deadlock != nil {
		t.Errorf("sync: %+v", syncRun)
	}
	cycle, _ := threads.Deadlock["cycle"].([]any)
	if threads.Deadlock["at_s"] == nil || len(cycle) != 2 {
		t.Fatalf("threads(2): deadlock %v", threads.Deadlock)
	}
	first := cycle[0].(map[string]any)
	if first["task"] != "A" || first["waits_for"] != "b" || len(first["holds"].([]any)) != 2 {
		t.Errorf("first link %v", first)
	}
	// Every task is listed; those the deadlock stopped end never (null).
	for _, task := range threads.Tasks {
		if end, ok := task["end_s"]; !ok || end != nil {
			t.Errorf("task %v: end_s %v, want null", task["name"], end)
		}
	}
	if task := threads.Tasks[2]; task["name"] != "C" || task["start_s"] != nil {
		t.Errorf("task C never ran: %v", task)
	}
	// No resources, no resource_wait_s (the key of SPEC §4's table is
	// unchanged for them).
	doc2, _ := decode(t, seedRuns(), false)
	for _, r := range doc2["results"].([]any) {
		for _, k := range []string{"resource_wait_s", "resources", "deadlock"} {
			if _, ok := r.(map[string]any)[k]; ok {
				t.Errorf("a workload without resources has %s", k)
			}
		}
	}
}

// The timelines draw waiting for a resource and pickling, each in its own
// glyph, and the legend names them (the resource by its name).
func TestTimelineNewStates(t *testing.T) {
	_, runs := simulate(t, "resources: {db: {capacity: 1}}\ntasks: [{count: 3, input: 5MB, steps: [{use: db, steps: [{wait: 20ms}]}]}]",
		"threads(3)", "processes(2)")
	var b bytes.Buffer
	for _, run := range runs {
		if err := Timeline(&b, run, Options{Width: 100}); err != nil {
			t.Fatal(err)
		}
	}
	out := b.String()
	for _, want := range []string{"≡ waiting for db", "¤ pickling data for a worker process"} {
		if !strings.Contains(out, want) {
			t.Errorf("timelines lack %q:\n%s", want, out)
		}
	}
}

// The trace of runs with gathers, resources, pickled data and a deadlock
// passes the trace validator: every state named, every slice ended.
func TestTraceOfShapes(t *testing.T) {
	for _, src := range []string{
		lockOrder,
		"resources: {db: {capacity: 2}}\ntasks: [{count: 4, input: 1MB, output: 10KB, steps: [{work: 1ms}, {use: db, steps: [{wait: 5ms}]}, {gather: [{count: 3, steps: [{wait: 2ms}, {work: 1ms, offload: process, input: 100KB}]}]}]}]",
	} {
		wl, runs := simulate(t, src, "sync", "threads(2)", "threads(4, fanout=2)", "asyncio", "asyncio(eager)", "processes(2)", "processes(2)*asyncio")
		traceOf(t, wl, runs, TraceOptions{})
	}
}

package main

import (
	"context"
	"encoding/json"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"
)

// A run with millions of spans keeps only what its timeline draws (it took
// 6.3 GiB for 2 x [work 10h]); the formats that need every span say so.
func TestRunManySpans(t *testing.T) {
	const inline = "cores=2; 2 x [work 1h]"
	o := &runOptions{inline: inline, models: []string{"threads(2)"}}
	wl, text, err := loadWorkload(&streams{}, "", inline)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPlan(context.Background(), nil, wl, text, o)
	if err != nil {
		t.Fatal(err)
	}
	opt := report.Options{Width: 100}
	sp := spanPlan{keep: true, fold: func(r *sim.Result, l *report.SpanLimit, _ int64) (int64, int) {
		return r.Makespan, report.TimelineColumns(r, l, opt)
	}}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	runs, err := simulate(context.Background(), p, sp, true)
	if err != nil {
		t.Fatal(err)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	run := runs[0]
	if run.Spans != nil || run.Folded == nil || run.Folded.Spans() <= report.MaxSpans {
		t.Fatalf("spans kept: %v, folded: %v; want none kept and more than %d folded", run.Spans != nil, run.Folded != nil, report.MaxSpans)
	}
	// Live heap after the run: the folded grids, the result, not the spans.
	if live := int64(after.HeapAlloc) - int64(before.HeapAlloc); live > 64<<20 {
		t.Errorf("%d MiB live after the run", live>>20)
	}
	runtime.KeepAlive(runs)

	args := []string{"explain", "-e", inline, "-m", "threads(2)"}
	want := "conclab: inline under threads(2) makes more than 1,000,000 spans; explain needs every span"
	if r := conclab(t, nil, args...); r.code != exitUsage || r.stdout != "" || !strings.HasPrefix(r.stderr, want) {
		t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", args, r.code, r.stderr, want)
	}
}

// The trace takes the runs whose spans were not kept, and says so, in the
// trace and on standard error: it cuts nothing off silently.
func TestRunTraceWithoutSpans(t *testing.T) {
	for _, tt := range []struct {
		args []string
		note string
	}{
		{[]string{"run", "-e", "cores=2; 2 x [work 1h]", "-m", "threads(2)", "--format", "trace"},
			"threads(2): no spans in this trace (more than the 1,000,000 spans kept of a run); it shows its processes, its threads and the tasks in flight only"},
		{[]string{"run", "-e", "20001 x [wait 1s]", "-m", "sync", "-m", "asyncio", "--format", "trace"},
			"asyncio: no spans in this trace (20,001 tasks, more than the 20,000 whose spans are kept); it shows its processes, its threads and the tasks in flight only"},
	} {
		r := conclab(t, nil, tt.args...)
		if r.code != exitOK || !strings.Contains(r.stderr, "conclab: "+tt.note+"\n") {
			t.Errorf("%v: exit %d, stderr %q; want exit 0 and the note %q", tt.args, r.code, r.stderr, tt.note)
		}
		var doc struct {
			TraceEvents []struct{ Ph, Name string }
			OtherData   struct{ Notes []string }
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("%v: not a trace: %v", tt.args, err)
		}
		instant := false
		for _, e := range doc.TraceEvents {
			instant = instant || e.Ph == "i" && e.Name == tt.note
		}
		if !instant || !slices.Contains(doc.OtherData.Notes, tt.note) {
			t.Errorf("%v: the trace does not say %q (instant %v, notes %q)", tt.args, tt.note, instant, doc.OtherData.Notes)
		}
	}
}

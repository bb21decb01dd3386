package main

import (
	"context"
	"runtime"
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
	p, err := newPlan(wl, text, o)
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

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "-e", inline, "-m", "threads(2)", "--format", "trace"},
			"conclab: inline under threads(2) makes more than 1,000,000 spans; the trace format needs every span"},
		{[]string{"explain", "-e", inline, "-m", "threads(2)"},
			"conclab: inline under threads(2) makes more than 1,000,000 spans; explain needs every span"},
	} {
		r := conclab(t, nil, tt.args...)
		if r.code != exitUsage || r.stdout != "" || !strings.HasPrefix(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}

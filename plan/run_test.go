package plan_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
)

func sims(t *testing.T, text string, models ...string) []sim.Config {
	t.Helper()
	p, err := plan.New(parse(t, "w.yaml", text), nil, plan.Overrides{Cores: 2, Models: models})
	if err != nil {
		t.Fatal(err)
	}
	var cfgs []sim.Config
	for _, d := range p.Models {
		cfgs = append(cfgs, p.Config(d))
	}
	return cfgs
}

const twoWaits = "tasks: [{name: A, count: 2, steps: [{wait: 1s}]}]\n"

// TestRun: results come in order whatever the workers, progress counts
// each, and the failures are told as the contract says.
func TestRun(t *testing.T) {
	models := []string{"sync", "threads(2)", "asyncio", "processes(2)"}
	want := []int64{}
	for _, m := range models {
		res, err := plan.Run(context.Background(), plan.Batch{Sims: sims(t, twoWaits, m), Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, res[0].Makespan)
	}
	for _, workers := range []int{0, 1, 3, 8} {
		var calls, last atomic.Int64
		res, err := plan.Run(context.Background(), plan.Batch{Sims: sims(t, twoWaits, models...), Workers: workers,
			Progress: func(done, total int) {
				calls.Add(1)
				last.Store(int64(done*100 + total))
			}})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Model != models[i] || r.Makespan != want[i] {
				t.Errorf("workers %d: result %d is %s in %d ns, want %s in %d", workers, i, r.Model, r.Makespan, models[i], want[i])
			}
		}
		if calls.Load() != 4 || last.Load() != 404 {
			t.Errorf("workers %d: %d progress calls, the last %d; want 4, 404", workers, calls.Load(), last.Load())
		}
	}
}

func TestRunFailures(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	boom := errors.New("boom")
	tests := []struct {
		name  string
		ctx   context.Context
		start func(i int) error
		is    error  // errors.Is
		msg   string // a prefix of the message
	}{
		{"cancelled", cancelled, nil, context.Canceled, "context canceled"},
		{"the first failure in order", context.Background(), func(i int) error {
			if i >= 1 {
				return boom
			}
			return nil
		}, boom, "boom"},
		{"a panic", context.Background(), func(i int) error {
			if i == 2 {
				panic("injected")
			}
			return nil
		}, nil, "internal error: injected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := plan.Run(tt.ctx, plan.Batch{Sims: sims(t, twoWaits, "sync", "asyncio", "threads(2)"), Start: tt.start})
			if err == nil || res != nil || tt.is != nil && !errors.Is(err, tt.is) || !strings.HasPrefix(err.Error(), tt.msg) {
				t.Fatalf("Run = %v, %v; want an error %q", res, err, tt.msg)
			}
			var ie *sim.InternalError
			if tt.is == nil && !errors.As(err, &ie) {
				t.Errorf("a panic gives %T, want a *sim.InternalError", err)
			}
		})
	}

	// An engine's failure names the workload and the model.
	prof, _ := runtime.Builtin("cpython")
	wl := parse(t, "w.yaml", twoWaits)
	_, err := plan.Run(context.Background(), plan.Batch{Sims: []sim.Config{{Workload: wl, Deployment: model.Deployment{Kind: model.Sync}, Profile: prof}}})
	if err == nil || !strings.HasPrefix(err.Error(), "w under sync: ") {
		t.Errorf("a bad configuration: %v", err)
	}
}

// TestSimulateSpans: spans are kept up to report.MaxSpans; a run that
// makes more is folded when Fold says how, else has none.
func TestSimulateSpans(t *testing.T) {
	const many = "cores: 2\ntasks: [{name: A, count: 2, steps: [{work: 1h}]}]\n"
	tests := []struct {
		name          string
		text          string
		o             plan.Options
		spans, folded bool
		dropped       bool
		records       int
	}{
		{"no spans asked", twoWaits, plan.Options{Records: true}, false, false, false, 2},
		{"spans", twoWaits, plan.Options{Spans: true}, true, false, false, 0},
		{"too many spans, dropped", many, plan.Options{Spans: true}, false, false, true, 0},
		{"too many spans, folded", many, plan.Options{Spans: true, Fold: func(r *sim.Result, _ *report.SpanLimit, axis int64) (int64, int) {
			return axis, 80
		}}, false, true, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := plan.New(parse(t, "w.yaml", tt.text), nil, plan.Overrides{Models: []string{"threads(2)"}})
			if err != nil {
				t.Fatal(err)
			}
			runs, err := p.Simulate(context.Background(), tt.o)
			if err != nil {
				t.Fatal(err)
			}
			r := runs[0]
			if (r.Spans != nil) != tt.spans || (r.Folded != nil) != tt.folded || p.SpansDropped(r, tt.o) != tt.dropped || len(r.Result.Records) != tt.records {
				t.Errorf("spans %v, folded %v, dropped %v, %d records; want %v, %v, %v, %d",
					r.Spans != nil, r.Folded != nil, p.SpansDropped(r, tt.o), len(r.Result.Records), tt.spans, tt.folded, tt.dropped, tt.records)
			}
			if tt.folded && r.Folded.Spans() <= report.MaxSpans {
				t.Errorf("folded %d spans, want more than %d", r.Folded.Spans(), report.MaxSpans)
			}
		})
	}
}

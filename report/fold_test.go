package report

import (
	"bytes"
	"context"
	"testing"

	"github.com/conclab/conclab/internal/golden"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// simulateTwice runs an inline workload under a model twice: once keeping
// every span, once folding them as the command does for a timeline.
func simulateTwice(t *testing.T, inline, expr string, fold func(*sim.Result, *SpanLimit) (int64, int)) (exact, folded Run) {
	t.Helper()
	wl, err := workload.ParseInline(inline)
	if err != nil {
		t.Fatal(err)
	}
	d, err := model.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := runtime.Builtin("cpython")
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: max(wl.Cores, 1), SwitchInterval: 5e6, RecordTasks: true}
	limit := &SpanLimit{Max: 1 << 30}
	cfg.Sink = limit
	r1, err := sim.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, cols := fold(r1, limit)
	f := NewFolded(m, cols)
	cfg.Sink = f
	r2, err := sim.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if f.Spans() != limit.Spans || len(limit.Recorder.Lanes) < 1000 {
		t.Fatalf("%d spans folded, %d recorded (%d lane spans): want the same, and many", f.Spans(), limit.Spans, len(limit.Recorder.Lanes))
	}
	return Run{Result: r1, Spans: &limit.Recorder}, Run{Result: r2, Folded: f}
}

// A timeline drawn from folded spans is the timeline drawn from the spans,
// character for character and pixel for pixel.
func TestFoldedDrawsTheSame(t *testing.T) {
	tests := []struct{ inline, model string }{
		{"cores=2; 3 x [work 5s]", "threads(3)"},
		{"cores=2; 2 x [work 3s, wait 1s, work 2s]", "processes(2)*threads(2)"},
		{"cores=1; 6 x [repeat 400 [work 3ms, wait 7ms]]", "asyncio"},
		{"cores=1; 40 x [repeat 100 [work 3ms, wait 7ms]]", "asyncio"},
	}
	for _, tt := range tests {
		t.Run(tt.inline+" "+tt.model, func(t *testing.T) {
			for _, width := range []int{40, 77, 100} {
				opt := Options{Width: width}
				exact, folded := simulateTwice(t, tt.inline, tt.model, func(r *sim.Result, l *SpanLimit) (int64, int) {
					return r.Makespan, TimelineColumns(r, l, opt)
				})
				var a, b bytes.Buffer
				if err := Timeline(&a, exact, opt); err != nil {
					t.Fatal(err)
				}
				if err := Timeline(&b, folded, opt); err != nil {
					t.Fatal(err)
				}
				if a.String() != b.String() {
					t.Errorf("width %d: the folded timeline differs from the spans' (- spans, + folded):\n%s", width, golden.Diff(a.Bytes(), b.Bytes()))
				}
			}
			exact, folded := simulateTwice(t, tt.inline, tt.model, func(r *sim.Result, _ *SpanLimit) (int64, int) {
				return r.Makespan, SVGColumns(SVGOptions{})
			})
			if !aggregated([]Run{exact}, DefaultSVGWidth)[0] {
				t.Skip("the spans are drawn one by one: nothing to compare")
			}
			if hasLoop(exact.Result) && taskRowsFit(exact.Spans) {
				// A row per task draws its spans one by one, and folded
				// ones as pixel columns.
				return
			}
			var a, b bytes.Buffer
			if err := SVG(&a, []Run{exact}, SVGOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := SVG(&b, []Run{folded}, SVGOptions{}); err != nil {
				t.Fatal(err)
			}
			if a.String() != b.String() {
				t.Errorf("the folded SVG differs from the spans' (- spans, + folded):\n%s", golden.Diff(a.Bytes(), b.Bytes()))
			}
		})
	}
}

// A Folded sink's memory does not grow with the spans: a hundred times
// more spans allocate no more than the runtime's own odd allocation (a
// run here counted 30 against 29, once in several), where a slice that
// kept every span, or one in a hundred, would grow about 20 more times
// (append grows a large slice by a quarter).
func TestFoldedMemoryIsBounded(t *testing.T) {
	feed := func(n int) float64 {
		return testing.AllocsPerRun(1, func() {
			f := NewFolded(int64(n)*1000, 90)
			for i := range n {
				s := sim.Span{Lane: int32(i % 4), Task: int32(i % 3), State: sim.State(1 + i%2), Start: int64(i) * 1000, End: int64(i+1) * 1000}
				f.LaneSpan(s)
				f.TaskSpan(s)
			}
		})
	}
	if small, big := feed(10_000), feed(1_000_000); big > small+4 {
		t.Errorf("folding 1,000,000 spans allocates %v times, 10,000 spans %v", big, small)
	}
}

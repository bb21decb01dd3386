package advise

import (
	"bytes"
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/conclab/conclab/internal/golden"
	"github.com/conclab/conclab/runtime"
)

func sweepOf(t *testing.T, text, expr string, s Setup) *Sweep {
	t.Helper()
	wl := parse(t, text)
	swept, pts, err := ModelPoints(wl, expr, runtime.Profile{Name: "cpython", Asyncio: true, Processes: true})
	if err != nil {
		t.Fatal(err)
	}
	sw, err := Run(context.Background(), wl, swept, pts, s)
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

// Each request holds a thread for about 101 ms; at 200/s Little's law
// puts about 20 in flight, so the knee must be a swept size above 20: the
// least that keeps up, or, when queueing at that size still costs p99
// (Poisson arrivals at 24 threads: 143 ms against 103 ms), a larger one,
// within twice Little's law.
func TestSweepKneeLittlesLaw(t *testing.T) {
	sw := sweepOf(t, ioHandler, "threads(1..64)", setup(t, 2))
	var values []float64
	for _, p := range sw.Points {
		values = append(values, p.Value)
	}
	if want := []float64{1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64}; !slices.Equal(values, want) {
		t.Fatalf("points %v, want %v", values, want)
	}
	little := 200 * 0.101
	i := sw.Knee.Index
	if i < 0 {
		t.Fatal("no knee")
	}
	if values[i] < little || values[i] > 2*little {
		t.Errorf("knee at %v, Little's law says %.1f", values[i], little)
	}
	if sw.Swept != "threads" {
		t.Errorf("swept %q", sw.Swept)
	}
}

func TestSweepRateKnee(t *testing.T) {
	wl := parse(t, `
name: cpu
arrivals: {rate: 10/s, for: 20s}
tasks: [{name: req, steps: [{work: exp(10ms)}]}]
`)
	d := sweepOf(t, ioHandler, "threads(1..2)", setup(t, 1)).Points[0].Model // sync-like single thread
	rates, err := ParseRates("10..100/s", 10, false)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := RatePoints(wl, d, rates)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := Run(context.Background(), wl, SweptRate, pts, setup(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	// One thread serving 10 ms on average is an M/M/1 queue: p99 of the
	// time in system is ln(100)/(μ−λ), 3× its low-load value at about
	// 70/s; it is overloaded from 100/s.
	k := sw.Knee.Index
	if k < 0 || sw.Points[k].Value < 50 || sw.Points[k].Value > 80 {
		t.Errorf("knee %d, rates %v", k, rates)
	}
	if _, err := RatePoints(parse(t, "tasks: [{steps: [{wait: 1s}]}]"), d, rates); err == nil {
		t.Error("a rate sweep of a batch was accepted")
	}
}

// Parallelism must not change a sweep: one worker and several give the
// same document, byte for byte.
func TestSweepDeterministic(t *testing.T) {
	var docs [][]byte
	for _, workers := range []int{1, 3, 8} {
		s := setup(t, 2)
		s.Workers = workers
		var b bytes.Buffer
		if err := sweepOf(t, ioHandler, "threads(1..64)", s).WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b.Bytes())
	}
	for i := 1; i < len(docs); i++ {
		if !bytes.Equal(docs[0], docs[i]) {
			t.Errorf("run %d differs from run 0", i)
		}
	}
}

func TestSweepSVGGolden(t *testing.T) {
	sw := sweepOf(t, ioHandler, "threads(1..64)", setup(t, 2))
	var b bytes.Buffer
	if err := sw.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/sweep_threads.svg", b.Bytes())
	b.Reset()
	if err := sw.WriteText(&b, 0); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/sweep_threads.txt", b.Bytes())
}

func TestParseRates(t *testing.T) {
	tests := []struct {
		in    string
		steps int
		geo   bool
		want  []float64
		err   bool
	}{
		{"50..500/s", 4, false, []float64{50, 200, 350, 500}, false},
		{"10..1000", 3, true, []float64{10, 100, 1000}, false},
		{"1..2/ms", 2, false, []float64{1000, 2000}, false},
		{"60/min..120/min", 2, false, []float64{1, 2}, false},
		{"500..50/s", 3, false, nil, true},
		{"50/s..500/ms", 3, false, nil, true},
		{"50..500/h", 3, false, nil, true},
		{"500/s", 3, false, nil, true},
		{"50..500/s", 1, false, nil, true},
	}
	for _, tt := range tests {
		got, err := ParseRates(tt.in, tt.steps, tt.geo)
		if (err != nil) != tt.err {
			t.Errorf("%q: error %v", tt.in, err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("%q: %v, want %v", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-tt.want[i]) > 1e-9*tt.want[i] {
				t.Errorf("%q: %v, want %v", tt.in, got, tt.want)
			}
		}
	}
}

func TestModelPoints(t *testing.T) {
	wl := parse(t, ioHandler)
	tests := []struct {
		expr, swept string
		values      []float64
	}{
		{"threads(2..5)", "threads", []float64{2, 3, 4, 5}},
		{"processes(1..3)*threads(4)", "processes", []float64{1, 2, 3}},
		{"processes(2)*threads(10..100)", "threads", []float64{10, 12, 16, 24, 32, 48, 64, 96, 100}},
		{"asyncio(limit=1..3)", "limit", []float64{1, 2, 3}},
	}
	for _, tt := range tests {
		swept, pts, err := ModelPoints(wl, tt.expr, runtime.Profile{Name: "cpython", Asyncio: true, Processes: true})
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		var values []float64
		for _, p := range pts {
			values = append(values, p.Value)
		}
		if swept != tt.swept || !slices.Equal(values, tt.values) {
			t.Errorf("%s: %s %v, want %s %v", tt.expr, swept, values, tt.swept, tt.values)
		}
	}
	if _, _, err := ModelPoints(wl, "threads(8)", runtime.Profile{Name: "cpython", Asyncio: true, Processes: true}); err == nil {
		t.Error("no range accepted")
	}
	if _, _, err := ModelPoints(wl, "asyncio(limit=1..3)", runtime.Profile{Name: "java", Processes: true}); err == nil {
		t.Error("asyncio accepted on java")
	}
}

// A workload's name reaches the picture and the page as text, escaped for
// the markup.
func TestSweepEscapesNames(t *testing.T) {
	text := "name: \"<b>a & 'b'</b>\"\ntasks:\n  - name: t\n    count: 4\n    steps: [{work: 1ms}, {wait: 10ms}]\n"
	sw := sweepOf(t, text, "threads(1..4)", setup(t, 2))
	for _, write := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return sw.WriteSVG(b) },
		func(b *bytes.Buffer) error { return sw.WriteHTML(b) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if strings.Contains(out, "<b>") || !strings.Contains(out, `&lt;b&gt;a &amp; &#39;b&#39;&lt;/b&gt;`) {
			t.Errorf("the name is not escaped:\n%.600s", out)
		}
	}
}

package advise

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/conclab/conclab/internal/golden"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
)

// pooled: 200 requests a second, each holding one of 6 connections for
// 20 ms: about 4 are in flight, so 4 or 5 connections are the knee.
const pooled = `
name: pooled
resources: {db: {capacity: 6}}
arrivals: {rate: 200/s, for: 5s}
tasks:
  - name: req
    steps: [{work: 500us}, {use: db, steps: [{wait: 20ms}]}]
`

func TestParseCapacity(t *testing.T) {
	wl := parse(t, pooled)
	for _, c := range []struct {
		in   string
		want []int
		err  string
	}{
		{in: "db=1..4", want: []int{1, 2, 3, 4}},
		{in: " db = 2 .. 3 ", want: []int{2, 3}},
		{in: "db=1..50", want: []int{1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 50}},
		{in: "db=5..40", want: []int{5, 6, 8, 12, 16, 24, 32, 40}},
		{in: "dB=1..4", err: `unknown resource "dB", did you mean "db"?`},
		{in: "dbx=1..4", err: `did you mean "db"?`},
		{in: "db", err: `has no "="`},
		{in: "=1..4", err: "names no resource"},
		{in: "db=4", err: `has no ".."`},
		{in: "db=4..4", err: "the first smaller"},
		{in: "db=0..4", err: "from 1 to"},
		{in: "db=1..2000000", err: "from 1 to 1000000"},
		{in: "db=a..b", err: "whole numbers"},
	} {
		cr, err := ParseCapacity(wl, c.in)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("ParseCapacity(%q) = %v, %v; want an error with %q", c.in, cr, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("ParseCapacity(%q): %v", c.in, err)
		case c.err == "" && (!slices.Equal(cr.Values, c.want) || cr.Resource != "db" || cr.Index != 0):
			t.Errorf("ParseCapacity(%q) = %+v, want values %v", c.in, cr, c.want)
		}
	}
	if _, err := ParseCapacity(parse(t, ioHandler), "db=1..4"); err == nil || !strings.Contains(err.Error(), "declares no resources") {
		t.Errorf("a workload without resources: %v", err)
	}
	// A sampled range includes the declared capacity, which advise sizes
	// from: 10 is not in the series.
	cr, err := ParseCapacity(WithCapacity(wl, 0, 10), "db=1..50")
	if want := []int{1, 2, 3, 4, 6, 8, 10, 12, 16, 24, 32, 48, 50}; err != nil || !slices.Equal(cr.Values, want) {
		t.Errorf("ParseCapacity(db=1..50) with capacity 10 = %v, %v; want %v", cr.Values, err, want)
	}
}

// capacitySweep runs a capacity sweep of pooled under the models of expr
// (one model, or a range).
func capacitySweep(t *testing.T, expr, spec string) *Sweep {
	t.Helper()
	wl := parse(t, pooled)
	cr, err := ParseCapacity(wl, spec)
	if err != nil {
		t.Fatal(err)
	}
	swept, base := SweptCapacity, []Point(nil)
	if strings.Contains(expr, "..") {
		if swept, base, err = ModelPoints(wl, expr, runtime.Profile{Name: "cpython", Asyncio: true, Processes: true}); err != nil {
			t.Fatal(err)
		}
	} else {
		d, err := model.Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		base = []Point{{Model: d, Workload: wl}}
	}
	sw, err := RunResource(context.Background(), wl, swept, cr.Resource, CapacityPoints(base, cr), setup(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

func TestCapacitySweepKnee(t *testing.T) {
	sw := capacitySweep(t, "threads(16)", "db=1..12")
	if sw.Grid() || sw.Swept != SweptCapacity || len(sw.Points) != 12 {
		t.Fatalf("swept %q grid %v, %d points", sw.Swept, sw.Grid(), len(sw.Points))
	}
	for i, p := range sw.Points {
		if p.Capacity != i+1 || p.Value != float64(i+1) || p.Workload.Resources[0].Capacity != i+1 {
			t.Fatalf("point %d: capacity %d value %g workload's %d", i, p.Capacity, p.Value, p.Workload.Resources[0].Capacity)
		}
	}
	if sw.Workload.Resources[0].Capacity != 6 {
		t.Fatal("the sweep changed the workload it was given")
	}
	// The same rule as a pool's: the fewest connections not overloaded
	// with the throughput and p99 of the best.
	k := sw.Knee.Index
	if k < 0 {
		t.Fatalf("no knee: %s", sw.kneeSentence())
	}
	best := sw.Points[len(sw.Points)-1].Result
	got := sw.Points[k]
	if got.Overloaded || float64(got.Result.Latency.P99) > 1.05*float64(best.Latency.P99) {
		t.Errorf("knee at %d connections: p99 %d against %d", got.Capacity, got.Result.Latency.P99, best.Latency.P99)
	}
	if prev := sw.Points[k-1]; !prev.Overloaded && float64(prev.Result.Latency.P99) <= 1.05*float64(best.Latency.P99) {
		t.Errorf("%d connections would do too (p99 %d)", prev.Capacity, prev.Result.Latency.P99)
	}
	if got.Capacity < 4 || got.Capacity == 12 {
		t.Errorf("knee at %d connections, want more than 4 (about 4 are in flight) and less than the most", got.Capacity)
	}
	if !strings.Contains(sw.kneeSentence(), "knee at db capacity") || !strings.Contains(sw.Knee.Rule, "smallest db capacity") {
		t.Errorf("knee sentence %q", sw.kneeSentence())
	}
	// Fewer connections wait for them: res wait falls as capacity grows.
	if w1, wk := sw.Points[0].Result.ResourceWait, got.Result.ResourceWait; !(w1 > wk) {
		t.Errorf("res wait with 1 connection %d, at the knee %d", w1, wk)
	}
	var b bytes.Buffer
	if err := sw.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Swept, Resource string
		Points          []struct{ Capacity int }
		Knee            struct{ Capacity int }
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Swept != "capacity" || doc.Resource != "db" || doc.Points[2].Capacity != 3 || doc.Knee.Capacity != got.Capacity {
		t.Errorf("JSON: %+v", doc)
	}
}

func TestCapacityGrid(t *testing.T) {
	sw := capacitySweep(t, "threads(2..6)", "db=2..8")
	if !sw.Grid() || sw.Swept != "threads" || len(sw.Points) != 5*7 {
		t.Fatalf("swept %q grid %v, %d points", sw.Swept, sw.Grid(), len(sw.Points))
	}
	k := sw.Knee.Index
	if k < 0 {
		t.Fatal("no knee")
	}
	// Fewest connections first: no point with fewer qualifies.
	for _, p := range sw.Points[:k] {
		if p.Capacity < sw.Points[k].Capacity && !p.broken() &&
			Served(p.Workload, p.Result) >= kneeThroughput*Served(sw.Points[k].Workload, sw.Points[k].Result) &&
			float64(p.Result.Latency.P99) <= (1+Equal)*float64(sw.Points[k].Result.Latency.P99) {
			t.Errorf("%s qualifies with fewer connections than the knee %s", sw.valueLabel(p), sw.valueLabel(sw.Points[k]))
		}
	}
	var txt, svg bytes.Buffer
	if err := sw.WriteText(&txt, 100); err != nil {
		t.Fatal(err)
	}
	if err := sw.WriteSVG(&svg); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/sweep_grid.txt", txt.Bytes())
	golden.Check(t, "testdata/sweep_grid.svg", svg.Bytes())
	for _, line := range strings.Split(txt.String(), "\n") {
		if len([]rune(line)) > 100 {
			t.Errorf("line wider than 100: %q", line)
		}
	}
	// A narrow terminal loses inner columns, never the ends.
	txt.Reset()
	if err := sw.WriteText(&txt, 50); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(txt.String(), "db 2") || !strings.Contains(txt.String(), "db 8") || !strings.Contains(txt.String(), "too narrow") {
		t.Errorf("narrow grid:\n%s", txt.String())
	}
}

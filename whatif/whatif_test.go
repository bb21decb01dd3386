package whatif

import (
	"context"
	"encoding/xml"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

func planOf(t testing.TB, inline string) *plan.Plan {
	t.Helper()
	wl, err := workload.ParseInline(inline)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := runtime.Builtin("cpython")
	if err != nil {
		t.Fatal(err)
	}
	return &plan.Plan{Workload: wl, Profile: prof, Cores: 2, SwitchInterval: workload.DefaultSwitchInterval}
}

func deployment(t testing.TB, expr string) model.Deployment {
	t.Helper()
	d, err := model.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The analytic case: 100 tasks on threads(8), each waiting 5 ms,
// then holding a lock for 2 ms of work. The lock serialises 200 ms of the
// run: halving the in-lock work cuts the makespan by 45–50 %; halving the
// wait, which the other tasks' turns at the lock overlap, by under 3 %.
func TestLockBoundBatch(t *testing.T) {
	p := planOf(t, "res lock=1; 100 x job: [wait 5ms, use lock [work 2ms]]")
	r, err := Run(context.Background(), p, deployment(t, "threads(8)"), Options{Speedups: []float64{0.5}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Open() || len(r.Effects) != 4 {
		t.Fatalf("%d effects: %+v", len(r.Effects), r.Effects)
	}
	by := map[string]Effect{}
	for _, e := range r.Effects {
		by[e.Step+" "+e.Resource+" "+e.Label()] = e
	}
	work, wait := by["job/2/1  speedup 50%"], by["job/1  speedup 50%"]
	if c := work.MakespanChange; c > -0.45 || c < -0.50 {
		t.Errorf("in-lock work 50%% faster: makespan %+.1f%%, want −45 to −50%%", 100*c)
	}
	if c := wait.MakespanChange; c < -0.03 || c > 0.03 {
		t.Errorf("wait 50%% faster: makespan %+.1f%%, want within 3%%", 100*c)
	}
	if r.Effects[0].Step != "job/2/1" || r.Effects[0].Kind != Speedup {
		t.Errorf("ranked first: %+v, want the in-lock work's speed-up", r.Effects[0].Change)
	}
	if _, ok := by["job/2/1  gil: released"]; !ok {
		t.Error("no gil: released change for the work")
	}
	if _, ok := by[" lock lock: 2 units"]; !ok {
		t.Errorf("no second unit for the lock: %v", by)
	}
}

// Steps are named by their place, through uses, gathers and chooses; a
// work step on an event loop may go to a thread or a process (C code that
// releases the GIL too: it still holds the loop's thread); a step already
// offloaded is not offered again, nor C code as C code.
func TestChanges(t *testing.T) {
	wl, err := workload.ParseInline("res db=4; h: [work 1ms, use db [wait 5ms], gather [2 x [work 2ms offload thread], [wait 3ms]], choose [[work 1ms released], [wait 2ms]]]")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range Changes(wl, deployment(t, "asyncio"), []float64{0.5}) {
		got = append(got, c.Step+" "+c.Resource+" "+c.Label())
	}
	want := []string{
		"h/1  speedup 50%", "h/1  gil: released", "h/1  offload: thread", "h/1  offload: process",
		"h/2/1  speedup 50%",
		"h/3/1/1  speedup 50%",
		"h/3/2/1  speedup 50%",
		"h/4/1/1  speedup 50%", "h/4/1/1  offload: thread", "h/4/1/1  offload: process",
		"h/4/2/1  speedup 50%",
		" db db: 2 units", " db db: 6 units",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n%q\nwant\n%q", got, want)
	}
}

// Apply changes one step of a copy: the workload it was given is as it
// was, and a speed-up scales every parameter of a distribution.
func TestApply(t *testing.T) {
	wl, err := workload.ParseInline("h: [use db [gather [2 x [wait uniform(10ms, 20ms)]]]]; res db=2")
	if err != nil {
		t.Fatal(err)
	}
	before := *wl
	cs := Changes(wl, deployment(t, "threads(4)"), []float64{0.5, 1})
	if len(cs) != 4 || cs[0].Step != "h/1/1/1/1" {
		t.Fatalf("changes %+v", cs)
	}
	half := Apply(wl, cs[0])
	got := half.Groups[0].Steps[0].Steps[0].Branches[0].Steps[0].Dur
	if got != (workload.Dist{Kind: workload.Uniform, A: 5e6, B: 10e6}) {
		t.Errorf("half of uniform(10ms, 20ms) is %+v", got)
	}
	// Removed, a uniform still draws (a nanosecond wide), so the task's
	// other draws stay where they were.
	if gone := Apply(wl, cs[1]).Groups[0].Steps[0].Steps[0].Branches[0].Steps[0].Dur; gone.A != 0 || gone.B != 1 {
		t.Errorf("removed: %+v", gone)
	}
	if !reflect.DeepEqual(*wl, before) || wl.Groups[0].Steps[0].Steps[0].Branches[0].Steps[0].Dur.A != 10e6 {
		t.Error("Apply changed the workload it was given")
	}
	if more := Apply(wl, cs[3]); more.Resources[0].Capacity != 3 || wl.Resources[0].Capacity != 2 {
		t.Errorf("capacity: %d (given %d)", more.Resources[0].Capacity, wl.Resources[0].Capacity)
	}
}

// The same workload gives the same ranking every time, however many
// simulations run at once.
func TestDeterministic(t *testing.T) {
	p := planOf(t, "res db=3; arrivals=200/s for 2s; [work exp(1ms), use db [wait exp(10ms)], gather [3 x [wait exp(5ms)]]]")
	d := deployment(t, "threads(8)")
	a, err := Run(context.Background(), p, d, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(context.Background(), p, d, Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Effects, b.Effects) || !a.Open() {
		t.Error("two runs ranked differently")
	}
	for i := 1; i < len(a.Effects); i++ {
		if x, y := a.Effects[i-1], a.Effects[i]; !x.Deadlock && !y.Deadlock && x.P99Change > y.P99Change {
			t.Errorf("%s ranked above %s with a smaller cut of p99", x.Label(), y.Label())
		}
	}
}

// The causal profile draws a panel per step with speed-ups, the best
// first, as well-formed SVG, and says so when there is no step.
func TestSVG(t *testing.T) {
	p := planOf(t, "res lock=1; 100 x job: [wait 5ms, use lock [work 2ms]]")
	r, err := Run(context.Background(), p, deployment(t, "threads(8)"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.WriteSVG(&b, 15); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
	}
	if n := strings.Count(svg, "<polyline"); n != 2 {
		t.Errorf("%d curves, want 2 (the wait and the in-lock work)", n)
	}
	if i, j := strings.Index(svg, "job/2/1 · work 2ms"), strings.Index(svg, "job/1 · wait 5ms"); i < 0 || j < 0 || i > j {
		t.Errorf("the in-lock work's panel is not first:\n%s", svg)
	}
	if err := r.WriteSVG(&b, 1); err != nil || strings.Count(b.String(), "<polyline") != 3 {
		t.Error("--top 1 did not draw one panel")
	}
}

// An M/M/1 queue follows queueing theory: Poisson arrivals at 50/s to one
// server (sync) whose service is exponential with mean 10 ms have an
// exponential latency with rate μ − λ = 50/s, so p50 = ln 2 / 50 s and
// p99 = ln 100 / 50 s; halving the service makes the rate 150/s, and cuts
// both by 2/3 (Erlang C with one server). Within 6 % over 20,000 requests.
func TestMM1(t *testing.T) {
	p := planOf(t, "seed=3; arrivals=50/s for 400s; [wait exp(10ms)]")
	r, err := Run(context.Background(), p, deployment(t, "sync"), Options{Speedups: []float64{0.5}})
	if err != nil {
		t.Fatal(err)
	}
	within := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 0.06*math.Abs(want) {
			t.Errorf("%s: %.4g, want %.4g within 6%%", name, got, want)
		}
	}
	within("p50", float64(r.Baseline.P50)/1e9, math.Ln2/50)
	within("p99", float64(r.Baseline.P99)/1e9, math.Log(100)/50)
	if len(r.Effects) != 1 {
		t.Fatalf("%d effects", len(r.Effects))
	}
	e := r.Effects[0]
	t.Logf("p50 %.2f ms, p99 %.2f ms; halved: p50 %.2f ms, p99 %.2f ms (%+.1f%%)", float64(r.Baseline.P50)/1e6, float64(r.Baseline.P99)/1e6,
		float64(e.P50)/1e6, float64(e.P99)/1e6, 100*e.P99Change)
	within("p50 halved", float64(e.P50)/1e9, math.Ln2/150)
	within("p99 halved", float64(e.P99)/1e9, math.Log(100)/150)
	within("p99's change", e.P99Change, -2.0/3)
}

// A step that buys nothing says why: what holds the run back instead, or
// where the step sits.
func TestIdleSaysWhy(t *testing.T) {
	for _, tt := range []struct {
		inline, model, step, why string
	}{
		// The waits overlap the queue for the lock, held all but 2 ms of
		// the run: 100 × 10 ms of work in it. (Each wait also hands the
		// GIL to the next holder of the lock, who needs GILHandover to
		// wake: with 2 ms in the lock, that made the waits worth 1 %.)
		{"100 x [wait 1ms, use lock [work 10ms]]; res lock=1", "threads(8)", "task-1/1",
			"lock serialises the run: it is held 1.005 s of the 1.007 s; the wait overlaps the queue"},
		// A gather waits for its slowest branch: the 10 ms one never counts.
		{"20 x [gather [[wait 10ms], [wait 50ms]], work 1ms]", "asyncio", "task-1/1/1/1",
			"it runs in a gather's branch, and the gather waits for its slowest branch"},
		// One task in ten draws the wait, and A's work overlaps it.
		{"A: [work 20ms, wait 30ms]; B: [choose [90: [work 30ms], 10: [wait 5ms]]]", "threads(2)", "B/1/2/1",
			"it is in a choose's alternative drawn for 10% of the tasks; the wait overlaps other tasks' work and waits"},
	} {
		r, err := Run(context.Background(), planOf(t, tt.inline), deployment(t, tt.model), Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		var got *Idle
		for _, x := range r.Idle() {
			if x.Step == tt.step {
				got = &x
			}
		}
		switch {
		case got == nil:
			t.Errorf("%s: %s is not among the steps that buy nothing: %+v", tt.inline, tt.step, r.Idle())
		case got.Why != tt.why || got.Best <= -nothingBelow:
			t.Errorf("%s: %s buys %+.1f%% because %q, want under 1%% because %q", tt.inline, tt.step, 100*got.Best, got.Why, tt.why)
		}
		// Every step listed bought nothing; every other one bought something.
		idle := map[string]bool{}
		for _, x := range r.Idle() {
			idle[x.Step] = true
		}
		for _, e := range r.Effects {
			if e.Kind == Speedup && e.Amount == 1 && idle[e.Step] != (r.Ranked(&e) > -nothingBelow) {
				t.Errorf("%s: %s removed changes the metric %+.1f%%, listed as buying nothing: %v", tt.inline, e.Step, 100*r.Ranked(&e), idle[e.Step])
			}
		}
	}
	// A server whose p99 is one wait's tail: the work before it is not.
	r, err := Run(context.Background(), planOf(t, "arrivals=20/s for 20s; req: [work 1ms, wait exp(100ms)]"), deployment(t, "asyncio"), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	idle := r.Idle()
	if len(idle) != 1 || idle[0].Step != "req/1" || !strings.HasPrefix(idle[0].Why, "other steps set the pace: req/2 (wait exp(100ms)), speedup 100%, cuts p99 ") {
		t.Errorf("idle steps %+v, want req/1 with the wait named as what sets p99", idle)
	}
}

package sim

import (
	"context"
	"testing"
	"time"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

const (
	us = int64(1_000)
	ms = int64(1_000_000)
	s  = int64(1_000_000_000)
)

// bare is a runtime with a GIL and no costs at all: the seed's idealised
// world, where results are exact.
var bare = runtime.Profile{Name: "cpython", GIL: true, Asyncio: true, Processes: true, Slowdown: 1}

func inline(t testing.TB, expr string) *workload.Workload {
	t.Helper()
	w, err := workload.ParseInline(expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return w
}

func deployment(t testing.TB, expr string) model.Deployment {
	t.Helper()
	d, err := model.Parse(expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return d
}

func builtin(t testing.TB, name string) runtime.Profile {
	t.Helper()
	p, err := runtime.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type runOpt struct {
	cores int
	si    int64
	prof  runtime.Profile
	sink  Sink
}

func run(t testing.TB, wl *workload.Workload, m string, o runOpt) *Result {
	t.Helper()
	if o.cores == 0 {
		o.cores = 2
	}
	if o.si == 0 {
		o.si = 5 * ms
	}
	if o.prof.Name == "" {
		o.prof = bare
	}
	r, err := Run(context.Background(), Config{Workload: wl, Deployment: deployment(t, m), Profile: o.prof, Cores: o.cores, SwitchInterval: o.si, RecordTasks: true, Sink: o.sink})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The seed's first case, exactly: 3 × sleep(2) is 6 s sync, 2 s on three
// threads, 2 s on asyncio.
func TestSeedWaitingExact(t *testing.T) {
	wl := inline(t, "A: [wait 2s]; B: [wait 2s]; C: [wait 2s]")
	for _, c := range []struct {
		model    string
		makespan int64
		ends     []int64
		threads  int
	}{
		{"sync", 6 * s, []int64{2 * s, 4 * s, 6 * s}, 1},
		{"threads(3)", 2 * s, []int64{2 * s, 2 * s, 2 * s}, 3},
		{"threads", 2 * s, []int64{2 * s, 2 * s, 2 * s}, 3},
		{"asyncio", 2 * s, []int64{2 * s, 2 * s, 2 * s}, 1},
		{"threads(2)", 4 * s, []int64{2 * s, 2 * s, 4 * s}, 2},
		{"processes(3)", 2 * s, []int64{2 * s, 2 * s, 2 * s}, 3},
		{"processes(2)*asyncio", 2 * s, []int64{2 * s, 2 * s, 2 * s}, 2},
	} {
		t.Run(c.model, func(t *testing.T) {
			r := run(t, wl, c.model, runOpt{})
			if r.Makespan != c.makespan {
				t.Errorf("makespan = %d, want %d", r.Makespan, c.makespan)
			}
			for i, want := range c.ends {
				if got := r.Records[i].End; got != want {
					t.Errorf("task %s ends at %d, want %d", r.Records[i].Name, got, want)
				}
			}
			if r.PeakThreads != c.threads {
				t.Errorf("peak threads = %d, want %d", r.PeakThreads, c.threads)
			}
			if r.CPUBusy != 0 || r.GILWait != 0 || r.LoopStallMax != 0 {
				t.Errorf("cpu %d, gil wait %d, stall %d: want all 0", r.CPUBusy, r.GILWait, r.LoopStallMax)
			}
		})
	}
}

// With the measured costs the seed's numbers move only by those costs.
func TestSeedWaitingWithCosts(t *testing.T) {
	prof := builtin(t, "cpython")
	wl := inline(t, "A: [wait 2s]; B: [wait 2s]; C: [wait 2s]")
	over := prof.SleepOvershoot
	for _, c := range []struct {
		model  string
		lo, hi int64
	}{
		{"sync", 6*s + 3*over, 6*s + 3*over + 1*ms},
		{"threads(3)", 2*s + over, 2*s + over + 2*ms},
		// An idle loop's epoll timeout gets the kernel's slack, 0.1 % of 2 s.
		{"asyncio", 2*s + 2*ms + over - prof.TimerSlack, 2*s + 2*ms + over - prof.TimerSlack + 1*ms},
	} {
		r := run(t, wl, c.model, runOpt{prof: prof})
		if r.Makespan < c.lo || r.Makespan > c.hi {
			t.Errorf("%s: makespan %d, want in [%d, %d]", c.model, r.Makespan, c.lo, c.hi)
		}
	}
}

// time.sleep inside async def: the loop is serial again, each call stalling
// it for the whole wait.
func TestSeedBlockingInAsync(t *testing.T) {
	wl := inline(t, "A: [wait 2s blocking]; B: [wait 2s blocking]; C: [wait 2s blocking]")
	r := run(t, wl, "asyncio", runOpt{})
	if r.Makespan != 6*s {
		t.Errorf("makespan = %d, want 6 s", r.Makespan)
	}
	if r.LoopStallMax != 2*s {
		t.Errorf("loop_stall_max = %d, want 2 s", r.LoopStallMax)
	}
	if r.SlowCallbacks != 3 {
		t.Errorf("slow callbacks = %d, want 3", r.SlowCallbacks)
	}
	for i, want := range []int64{2 * s, 4 * s, 6 * s} {
		if r.Records[i].End != want {
			t.Errorf("%s ends at %d, want %d", r.Records[i].Name, r.Records[i].End, want)
		}
	}
	// Threads do not care whether the sleep is "blocking".
	if r := run(t, wl, "threads(3)", runOpt{}); r.Makespan != 2*s {
		t.Errorf("threads(3): makespan = %d, want 2 s", r.Makespan)
	}
	// Offloading the blocking call to the loop's executor restores concurrency.
	off := inline(t, "3 x [wait 2s blocking offload thread]")
	if r := run(t, off, "asyncio", runOpt{}); r.Makespan != 2*s || r.PeakThreads != 4 {
		t.Errorf("offloaded: makespan = %d, peak threads %d; want 2 s on 1 loop + 3 executor threads", r.Makespan, r.PeakThreads)
	}
}

// CPU-bound work: threads get no speed-up under the GIL; processes and
// runtimes without a GIL do.
func TestCPUBound(t *testing.T) {
	wl := inline(t, "2 x [work 1s]")
	r := run(t, wl, "sync", runOpt{})
	if r.Makespan != 2*s {
		t.Errorf("sync: %d, want 2 s", r.Makespan)
	}
	r = run(t, wl, "threads(2)", runOpt{})
	if r.Makespan < 2*s {
		t.Errorf("threads(2): %d, want ≥ 2 s", r.Makespan)
	}
	if r.GILSwitches < 300 || r.GILSwitches > 500 {
		t.Errorf("threads(2): %d GIL switches, want about 400 (2 s / 5 ms)", r.GILSwitches)
	}
	if r.CPUUtilization > 0.51 {
		t.Errorf("threads(2): utilisation %.2f, want ≤ 0.5 of 2 cores", r.CPUUtilization)
	}

	prof := builtin(t, "cpython")
	r = run(t, wl, "processes(2)", runOpt{prof: prof})
	start := prof.ProcessFork
	if lo, hi := 1*s+start, 1*s+2*start+2*prof.ProcessTask+1*ms; r.Makespan < lo || r.Makespan > hi {
		t.Errorf("processes(2): %d, want in [%d, %d]", r.Makespan, lo, hi)
	}

	ft := builtin(t, "cpython-ft")
	r = run(t, wl, "threads(2)", runOpt{prof: ft})
	want := int64(float64(s) * ft.Slowdown)
	if r.Makespan < want || r.Makespan > want+5*ms {
		t.Errorf("cpython-ft threads(2): %d, want ≈ %d (1 s × slowdown %.2f)", r.Makespan, want, ft.Slowdown)
	}
	if r.GILSwitches != 0 {
		t.Errorf("cpython-ft has no GIL, yet %d switches", r.GILSwitches)
	}

	java := builtin(t, "java")
	r = run(t, wl, "threads(2)", runOpt{prof: java})
	if r.Makespan < 1*s || r.Makespan > 1*s+5*ms {
		t.Errorf("java threads(2): %d, want ≈ 1 s", r.Makespan)
	}
	// Three CPU threads on two cores without a GIL share the cores: 1.5 s.
	r = run(t, inline(t, "3 x [work 1s]"), "threads(3)", runOpt{prof: bare0GIL()})
	if r.Makespan != 1500*ms {
		t.Errorf("3 threads on 2 cores without a GIL: %d, want 1.5 s", r.Makespan)
	}
}

func bare0GIL() runtime.Profile {
	p := bare
	p.Name, p.GIL = "java", false
	return p
}

// The convoy effect: an I/O thread beside a CPU thread waits up to a
// switch interval for the GIL after every I/O operation.
func TestConvoy(t *testing.T) {
	prof := builtin(t, "cpython")
	over := prof.SleepOvershoot
	wl := inline(t, "io: [repeat 200 [wait 500us]]; cpu: [work 3s]")
	for _, c := range []struct {
		si   int64
		want int64
	}{
		// Each wake-up: the sleep and its overshoot, then one switch
		// interval, a timed wait with the same overshoot, for the GIL.
		{5 * ms, 200 * (500*us + over + 5*ms + over)},
		{1 * ms, 200 * (500*us + over + 1*ms + over)},
	} {
		r := run(t, wl, "threads", runOpt{prof: prof, si: c.si})
		io := r.Records[0]
		start := io.Start
		got := io.End - start
		// The I/O thread also pays its own start-up and wait for the GIL
		// once at the beginning.
		if d := got - c.want; d < -1*ms || d > c.si+2*ms {
			t.Errorf("switch interval %s: io thread took %d, want ≈ %d", workload.FormatDuration(c.si), got, c.want)
		}
		if r.GILWait < 200*(c.si-100*us) {
			t.Errorf("switch interval %s: gil wait %d, want ≥ 200 intervals", workload.FormatDuration(c.si), r.GILWait)
		}
	}
	// Alone, the same I/O thread takes 200 × (0.5 ms + overshoot).
	r := run(t, inline(t, "io: [repeat 200 [wait 500us]]"), "threads", runOpt{prof: prof})
	if d := r.Records[0].End - r.Records[0].Start - 200*(500*us+over); d < 0 || d > 1*ms {
		t.Errorf("io alone: took %d, want ≈ %d", r.Records[0].End-r.Records[0].Start, 200*(500*us+over))
	}
}

// TestOffloadedCallRunsItsSteps: steps offloaded to a thread one after
// another are one executor call (asyncio.to_thread of a function that
// computes in C and then blocks), so with one executor thread task A's call
// runs whole before B's: A ends at 110 ms, not 120 (B's work would have
// come between). A repeat's rounds are calls of their own, which queue
// behind the other task's: A ends at 150 ms, not 100; so are steps
// with one run on the loop between them, even one of no time.
func TestOffloadedCallRunsItsSteps(t *testing.T) {
	const ms = int64(time.Millisecond)
	for _, tt := range []struct {
		expr string
		want []int64
	}{
		{"2 x [work 10ms released offload thread, wait 100ms blocking offload thread]", []int64{110 * ms, 220 * ms}},
		{"2 x [repeat 2 [wait 50ms blocking offload thread]]", []int64{150 * ms, 200 * ms}},
		{"2 x [wait 50ms blocking offload thread, work 0s, wait 50ms blocking offload thread]", []int64{150 * ms, 200 * ms}},
	} {
		r := run(t, inline(t, tt.expr), "asyncio(executor=1)", runOpt{})
		for i, want := range tt.want {
			if r.Records[i].End != want {
				t.Errorf("%s: %s ends at %v, want %v", tt.expr, r.Records[i].Name, time.Duration(r.Records[i].End), time.Duration(want))
			}
		}
	}
}

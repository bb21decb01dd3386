package sim

import (
	"slices"
	"testing"
	"time"
)

// Free-threaded CPython's PyMutex spins 40 sched_yield() calls before it
// sleeps, and each yield hands the core to a thread computing there
// (runtime LockSpin). A ThreadPoolExecutor that starts a thread while
// every core computes others waits that long in Thread.start(), and the
// new thread reaches its first task as late: with 2 cores, the third
// and fourth threads of threads(4) start one spin apart, a spin per
// thread beside the starter on its core once there are four, and a spin
// ends as soon as a core has no other thread to run.
func TestLockSpinDelaysThreadStarts(t *testing.T) {
	const spin = 50 * ms
	prof := bare
	prof.GIL = false
	prof.LockSpin = spin
	starts := func(expr, m string, p func() int64) []int64 {
		t.Helper()
		pr := prof
		pr.LockSpin = p()
		r := run(t, inline(t, expr), m, runOpt{prof: pr})
		var s []int64
		for _, rec := range r.Records {
			s = append(s, rec.Start)
		}
		return s
	}
	on := func() int64 { return spin }
	off := func() int64 { return 0 }
	for _, c := range []struct {
		name, expr, model string
		want              []int64
	}{
		// The first two start with a core free; the third while t0 and
		// t1 compute (one beside the starter), the fourth while three do
		// (still one per core); the rest queue for a thread, which t0 and
		// t1 free at 133.3 ms (50 ms alone, 33.3 at 2/3 of a core, 33.3
		// at half).
		{"threads(4)", "6 x [work 100ms]", "threads(4)", []int64{0, 0, spin, 2 * spin, 133333334, 133333334}},
		// Five threads computing beside the starter of the sixth: two
		// per core.
		{"threads(6)", "6 x [work 1s]", "threads(6)", []int64{0, 0, spin, 2 * spin, 4 * spin, 6 * spin}},
		// A thread per task (Thread.start()): the new thread runs at
		// once, and only its starter spins, beside the thread it has
		// just started: one per core while it starts the third and the
		// fourth, two for the fifth and sixth.
		{"threads", "6 x [work 1s]", "threads", []int64{0, 0, 0, spin, 3 * spin, 5 * spin}},
		// A spin ends when the threads beside it stop computing: t0
		// and t1 wait from 10 ms, so the third starts then and the
		// fourth at once (only the third computes); the fifth waits for
		// the third and fourth's 10 ms, the sixth for nobody.
		{"short work", "6 x [work 10ms, wait 1s]", "threads(6)", []int64{0, 0, 10 * ms, 10 * ms, 20 * ms, 20 * ms}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := starts(c.expr, c.model, on); !slices.Equal(got, c.want) {
				t.Errorf("starts %v, want %v", got, c.want)
			}
			// Without the spin the pool's threads all start at once.
			if got := starts(c.expr, c.model, off); slices.Max(got[:4]) != 0 {
				t.Errorf("without the spin: starts %v, want the first four at 0", got)
			}
		})
	}
}

// A spin whose last neighbour stops computing is due at once; when the
// same instant holds other events, re-pacing it after each of them must
// not push its end behind them again (the engine looped for ever on
// this workload, found by FuzzSimulateInline: the main thread spun on
// one core while tasks released by after: filled the instant).
func TestLockSpinEndsInABusyInstant(t *testing.T) {
	wl := inline(t, "3 x a: [wait 2ms, work 1ms]; b: [wait 1ms]; 2 x c: [work 1ms] after a, b start 1ms every 1ms; d: [wait 0s] after c")
	prof := builtin(t, "cpython-ft")
	if prof.LockSpin <= 0 {
		t.Fatalf("%s has no lock spin: this test needs one", prof.Name)
	}
	done := make(chan *Result, 1)
	go func() { done <- run(t, wl, "threads", runOpt{prof: prof, cores: 1}) }()
	select {
	case r := <-done:
		if len(r.Records) != 7 {
			t.Fatalf("%d tasks ended, want 7", len(r.Records))
		}
		// d is released after both c's.
		var c, d []int64
		for _, rec := range r.Records {
			switch rec.Name[0] {
			case 'c':
				c = append(c, rec.Release)
			case 'd':
				d = append(d, rec.Release)
			}
		}
		if len(c) != 2 || len(d) != 1 || d[0] < slices.Max(c) {
			t.Errorf("c released at %v, d at %v", c, d)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the run did not end within 20 s")
	}
}

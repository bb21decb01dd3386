package sim

import (
	"math"
	"testing"

	"github.com/conclab/conclab/runtime"
)

// goRun runs an inline workload under a model with the go profile.
func goRun(t *testing.T, expr, m string) (*Result, runtime.Profile) {
	t.Helper()
	prof := builtin(t, "go")
	return run(t, inline(t, expr), m, runOpt{prof: prof}), prof
}

// TestGoSleepNetpoll: a Go program that only sleeps sleeps on its
// netpoller, in whole milliseconds (1 ms for less, truncated for more),
// each wait SleepOvershoot late; and so as Go 1.26 took here (medians,
// 2026-12-04: a goroutine sleeping 40 times with nothing else running).
func TestGoSleepNetpoll(t *testing.T) {
	for _, tt := range []struct {
		inline   string
		waits    int64 // the netpoller's waits, each ends SleepOvershoot late
		unit     int64 // the whole milliseconds they wait
		measured float64
	}{
		{"1 x [wait 200us]", 1, 1, 1.0835e6},
		{"1 x [wait 500us]", 1, 1, 1.0840e6},
		{"1 x [wait 1ms]", 1, 1, 1.0832e6},
		{"1 x [wait 1.5ms]", 2, 2, 2.1605e6},
		{"1 x [wait 2.5ms]", 2, 3, 3.162e6},
		{"1 x [wait 5ms]", 2, 5, 5.205e6},
		{"1 x [wait 10.3ms]", 2, 11, 11.212e6},
	} {
		res, prof := goRun(t, tt.inline, "sync")
		if prof.NetpollResolution != ms {
			t.Fatalf("netpoll_resolution %d, want 1 ms", prof.NetpollResolution)
		}
		want := tt.unit*ms + tt.waits*prof.SleepOvershoot
		if res.Makespan != want {
			t.Errorf("%s: makespan %d, want %d", tt.inline, res.Makespan, want)
		}
		if res.NetpollSleeps != 1 || res.NetpollLate != res.Makespan-res.Records[0].Start-waitOf(t, tt.inline) {
			t.Errorf("%s: the netpoller ended %d sleeps, %d late", tt.inline, res.NetpollSleeps, res.NetpollLate)
		}
		if e := math.Abs(float64(res.Makespan)-tt.measured) / tt.measured; e > 0.03 {
			t.Errorf("%s: %d predicted, %.0f measured", tt.inline, res.Makespan, tt.measured)
		}
	}
}

// TestGoSleepFiredByABlock: a goroutine that blocks after another's timer
// is due fires it (checkTimers in schedule()); one computing all along
// never does, and the netpoller ends the other's every sleep, as in
// convoy-1ms (600 sleeps of 500 µs beside 400 ms of work took 651 ms).
func TestGoSleepFiredByABlock(t *testing.T) {
	res, prof := goRun(t, "1 x [wait 200us]; 1 x [work 300us, wait 5ms]", "threads")
	if got, want := res.Records[0].End, res.Records[1].Start+300_000+prof.WakeLatency; got != want {
		t.Errorf("the 200 µs sleep ended at %d, want %d: when the other goroutine blocked", got, want)
	}
	res, prof = goRun(t, "1 x [repeat 10 [wait 500us]]; 1 x [work 100ms]", "threads")
	if got, want := res.Records[0].End, res.Records[0].Start+10*(prof.NetpollResolution+prof.SleepOvershoot); got != want {
		t.Errorf("10 sleeps of 500 µs beside 100 ms of work ended at %d, want %d", got, want)
	}
	// CPython's sleeps are the kernel's: 500 µs and its overshoot.
	py := builtin(t, "cpython")
	if r := run(t, inline(t, "1 x [wait 500us]"), "sync", runOpt{prof: py}); r.Makespan != 500_000+py.SleepOvershoot {
		t.Errorf("cpython: %d, want %d", r.Makespan, 500_000+py.SleepOvershoot)
	}
}

// waitOf is the one wait step of an inline workload "1 x [wait D]".
func waitOf(t *testing.T, expr string) int64 {
	t.Helper()
	return inline(t, expr).Groups[0].Steps[0].Dur.A
}

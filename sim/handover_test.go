package sim

import "testing"

// A released GIL reaches the waiter it was signalled to only GILHandover
// later (CPython's drop_gil signals a condition variable and goes on), and
// a thread that asks for it meanwhile takes it first (take_gil finds it
// free), exactly.
func TestGILHandoverLatency(t *testing.T) {
	const h = 40 * us
	prof := bare
	prof.GILHandover = h
	for _, c := range []struct {
		name, expr string
		ends       map[string]int64
	}{
		// A lets the GIL go at 1 ms to wait; B, waiting for it, runs
		// 40 µs later.
		{"signalled waiter", "A: [work 1ms, wait 10ms]; B: [work 1ms]",
			map[string]int64{"A": 11 * ms, "B": 2*ms + h}},
		// C is back from its wait at 1.020 ms, before B has woken: it
		// takes the free GIL, and B, still waiting, gets it 40 µs after C
		// lets it go at 2.020 ms.
		{"a thread back from a wait takes it first", "C: [wait 1020us, work 1ms]; A: [work 1ms, wait 10ms]; B: [work 1ms]",
			map[string]int64{"A": 11 * ms, "B": 3020*us + h, "C": 2020 * us}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, inline(t, c.expr), "threads", runOpt{prof: prof})
			for _, rec := range r.Records {
				if want, ok := c.ends[rec.Name]; ok && rec.End != want {
					t.Errorf("%s ends at %d, want %d", rec.Name, rec.End, want)
				}
			}
		})
	}
	// Without the latency the waiter runs at once.
	r := run(t, inline(t, "A: [work 1ms, wait 10ms]; B: [work 1ms]"), "threads", runOpt{})
	if b := r.Records[1]; b.End != 2*ms {
		t.Errorf("without the latency: %s ends at %d, want %d", b.Name, b.End, 2*ms)
	}
}

package sim

import (
	"math/rand/v2"
	"testing"
)

// timers gives the order of a single heap by (due, order of scheduling),
// timer for timer, whatever the mix of delays: a few fixed ones (the
// FIFOs), drawn ones (the heap), ties, and pops between pushes.
func TestTimersOrderIsTheHeaps(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 1))
	for round := 0; round < 200; round++ {
		var got timers
		var want timerHeap
		var seq uint64
		now := int64(0)
		fixed := []int64{0, 1000, 2000, int64(r.IntN(5000))}
		for op := 0; op < 2000; op++ {
			if r.IntN(3) > 0 || got.len() == 0 {
				var d int64
				if r.IntN(2) == 0 {
					d = fixed[r.IntN(len(fixed))]
				} else {
					d = int64(r.IntN(4000))
				}
				seq++
				got.push(now+d, int32(seq))
				want.push(timer{due: now + d, seq: seq, slot: int32(seq)})
				continue
			}
			if got.len() != want.len() || got.first() != want.h[0].due {
				t.Fatalf("round %d: %d timers due first at %d, want %d at %d", round, got.len(), got.first(), want.len(), want.h[0].due)
			}
			g, w := got.pop(), want.pop()
			if g.slot != w.slot || g.due != w.due {
				t.Fatalf("round %d: popped %+v, want %+v", round, g, w)
			}
			now = max(now, g.due) + int64(r.IntN(3)) // the clock never goes back
		}
		n := 0
		got.each(func(timer) { n++ })
		if n != want.len() {
			t.Fatalf("round %d: each saw %d timers, want %d", round, n, want.len())
		}
	}
}

package sim

import (
	"math"
	"math/rand/v2"
	"testing"
)

// A schedule gives back what it holds in the order of (time, order of
// scheduling), item for item, whatever the mix of delays: a few fixed ones
// (the FIFOs), drawn ones (the heap), ties, and pops between pushes.
func TestScheduleOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 1))
	type item struct {
		t int64
		v int32
	}
	for round := 0; round < 200; round++ {
		var s schedule[int32]
		var want []item // pending, in the order scheduled
		now := int64(0)
		fixed := []int64{0, 1000, 2000, int64(r.IntN(5000))}
		for op := 0; op < 2000; op++ {
			if r.IntN(3) > 0 || s.len() == 0 {
				d := int64(r.IntN(4000))
				if r.IntN(2) == 0 {
					d = fixed[r.IntN(len(fixed))]
				}
				v := int32(op)
				s.push(now+d, v)
				want = append(want, item{now + d, v})
				continue
			}
			// The earliest; the first scheduled among equals.
			k := 0
			for i, w := range want {
				if w.t < want[k].t {
					k = i
				}
			}
			if s.len() != len(want) || s.top() != want[k].t {
				t.Fatalf("round %d: %d items due first at %d, want %d at %d", round, s.len(), s.top(), len(want), want[k].t)
			}
			if got := s.pop(); got.t != want[k].t || got.v != want[k].v {
				t.Fatalf("round %d: popped %d at %d, want %d at %d", round, got.v, got.t, want[k].v, want[k].t)
			}
			want = append(want[:k], want[k+1:]...)
			now += int64(r.IntN(3))
		}
		n := 0
		s.each(func(keyed[int32]) { n++ })
		if n != len(want) {
			t.Fatalf("round %d: each saw %d items, want %d", round, n, len(want))
		}
	}
	var s schedule[int32]
	if s.top() != math.MaxInt64 {
		t.Errorf("an empty schedule's top is %d, want MaxInt64", s.top())
	}
}

package runtime

import (
	"math"
	"testing"
)

// ForcedRankAsleep shares a forced switch among sleeping waiters as
// ForcedRank's table shares it among the others of one more waiter, the
// awake one's share taken out: every rank in range, and each drawn as
// often as its renormalised share says.
func TestForcedRankAsleep(t *testing.T) {
	p, _ := Builtin("cpython")
	const draws = 100000
	for waiters := 2; waiters <= 10; waiters++ {
		counts := make([]int, waiters)
		for i := range draws {
			r := p.ForcedRankAsleep(waiters, (float64(i)+0.5)/draws)
			if r < 0 || r >= waiters {
				t.Fatalf("%d waiters: rank %d", waiters, r)
			}
			counts[r]++
		}
		want := make([]float64, waiters)
		if waiters-1 < len(forcedRanks) {
			row := forcedRanks[waiters-1]
			sum := 1 - row[len(row)-1]
			for k := range want {
				want[k] = row[k] / sum
			}
		} else {
			for k := range want {
				want[k] = 1 / float64(waiters)
			}
		}
		for k, c := range counts {
			if got := float64(c) / draws; math.Abs(got-want[k]) > 0.001 {
				t.Errorf("%d waiters: rank %d drawn %.4f of the time, want %.4f", waiters, k, got, want[k])
			}
		}
	}
	// Two asleep: the longer waiter 0.32 / 0.45 of the time.
	if got := p.ForcedRankAsleep(2, 0.70); got != 0 {
		t.Errorf("2 waiters, u 0.70: rank %d, want 0 (the longer waiter's share is 0.71)", got)
	}
	if got := p.ForcedRankAsleep(2, 0.72); got != 1 {
		t.Errorf("2 waiters, u 0.72: rank %d, want 1", got)
	}
	if nogil := (Profile{}); nogil.ForcedRankAsleep(5, 0.9) != 0 {
		t.Error("a runtime without a GIL ranks")
	}
}

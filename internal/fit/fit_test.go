package fit

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// times are n arrival times (ns) whose gaps gap draws.
func times(n int, gap func() float64) []int64 {
	ts := make([]int64, n)
	t := 0.0
	for i := range ts {
		t += gap()
		ts[i] = int64(t)
	}
	return ts
}

// TestArrivalTimes: Poisson arrivals are called Poisson about 95 times in
// 100 (the test's level), even ones uniform, bursty ones not Poisson; the
// rate is the gaps' mean.
func TestArrivalTimes(t *testing.T) {
	rejected := 0
	const trials = 400
	for seed := range uint64(trials) {
		rng := rand.New(rand.NewPCG(seed, 2))
		a := ArrivalTimes(times(500, func() float64 { return rng.ExpFloat64() * 1e7 })) // 100/s
		if !a.Poisson {
			rejected++
		}
		if a.Rate < 80 || a.Rate > 120 {
			t.Errorf("seed %d: rate %.1f/s, want about 100", seed, a.Rate)
		}
	}
	if r := float64(rejected) / trials; r < 0.02 || r > 0.09 {
		t.Errorf("Poisson arrivals rejected in %.1f%% of trials, want about 5%%", 100*r)
	}

	rng := rand.New(rand.NewPCG(9, 9))
	even := ArrivalTimes(times(500, func() float64 { return 1e7 * (0.9 + 0.2*rng.Float64()) }))
	if even.Poisson || even.Pattern != "uniform" || !strings.Contains(even.Why, "nearly even") {
		t.Errorf("even arrivals: %+v", even)
	}
	// Bursts: ten arrivals 1 ms apart, then a pause of 200 ms.
	k := 0
	bursty := ArrivalTimes(times(500, func() float64 {
		k++
		if k%10 == 0 {
			return 2e8
		}
		return 1e6
	}))
	if bursty.Poisson || bursty.Pattern != "poisson" || !strings.Contains(bursty.Why, "vary more than exponential ones") {
		t.Errorf("bursty arrivals: %+v", bursty)
	}
	if one := ArrivalTimes([]int64{5}); one.N != 1 || one.Why != "too few arrivals to tell" {
		t.Errorf("one arrival: %+v", one)
	}
	if same := ArrivalTimes([]int64{5, 5, 5}); same.Pattern != "uniform" {
		t.Errorf("arrivals at one instant: %+v", same)
	}
}

// TestDurations: a constant stays one; exponential samples fit exp.
func TestDurations(t *testing.T) {
	if f := Durations([]int64{5e6, 5.1e6, 4.9e6, 5e6, 5e6}); f.Name != "constant" || f.Text != "5ms" {
		t.Errorf("constant: %+v", f)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	var ns []int64
	for range 2000 {
		ns = append(ns, int64(rng.ExpFloat64()*20e6))
	}
	if f := Durations(ns); f.Name != "exp" || f.D > 0.05 {
		t.Errorf("exponential samples: %+v", f)
	}
}

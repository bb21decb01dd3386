package sim_test

import (
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
		r, _ := sim.Run(sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2, SwitchInterval: 5_000_000})
		fmt.Printf("%-10s %.1f s\n", r.Model, float64(r.Makespan)/1e9)
	}
	// Output:
	// sync       6.0 s
	// threads(3) 2.0 s
	// asyncio    2.0 s
}

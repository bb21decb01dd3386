package explain

import (
	"context"
	"testing"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// BenchmarkNarrateMemory narrates the memory example (10,000 tasks that
// each wait 1 s) under both its models; the simulation is done once,
// outside the timed loop, as the web API and `conclab explain` do it.
func BenchmarkNarrateMemory(b *testing.B) {
	data, ok := examples.Lookup("memory")
	if !ok {
		b.Fatal("no example memory")
	}
	wl, err := workload.Parse("examples/memory.yaml", data)
	if err != nil {
		b.Fatal(err)
	}
	prof, err := runtime.Builtin("cpython")
	if err != nil {
		b.Fatal(err)
	}
	for _, expr := range []string{"threads(1000)", "asyncio"} {
		d, err := model.Parse(expr)
		if err != nil {
			b.Fatal(err)
		}
		rec := &sim.Recorder{}
		r, err := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2,
			SwitchInterval: 5_000_000, RecordTasks: true, Sink: rec})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(expr, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if lines := Narrate(wl, r, rec); len(lines) < 2 {
					b.Fatalf("%d lines", len(lines))
				}
			}
		})
	}
}

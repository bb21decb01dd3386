package sim

import (
	"context"
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

// millionTasks is the workload of issue 2's performance target:
// 1,000,000 tasks of [work 1ms, wait 2s].
func millionTasks() *workload.Workload {
	return &workload.Workload{Name: "million", Seed: 1, Groups: []workload.Group{{
		Name: "t", Count: 1_000_000,
		Steps: []workload.Step{
			{Kind: workload.Work, Dur: workload.Dist{A: 1_000_000}},
			{Kind: workload.Wait, Dur: workload.Dist{A: 2_000_000_000}},
		},
	}}}
}

func benchMillion(b *testing.B, d model.Deployment) {
	wl := millionTasks()
	prof, err := runtime.Builtin("cpython")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var r *Result
	for i := 0; i < b.N; i++ {
		r, err = Run(context.Background(), Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2, SwitchInterval: 5_000_000})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(r.Makespan)/1e9, "virtual-s")
}

func BenchmarkMillionAsyncio(b *testing.B) { benchMillion(b, model.Deployment{Kind: model.Asyncio}) }
func BenchmarkMillionThreads64(b *testing.B) {
	benchMillion(b, model.Deployment{Kind: model.ThreadPool, Threads: 64})
}
func BenchmarkMillionProcesses8(b *testing.B) {
	benchMillion(b, model.Deployment{Kind: model.Processes, Procs: 8})
}

// 100,000 threads all queueing for one GIL: the waiter queue must stay O(1).
func BenchmarkGILQueue100k(b *testing.B) {
	wl := &workload.Workload{Name: "gil-queue", Seed: 1, Groups: []workload.Group{{
		Name: "t", Count: 100_000,
		Steps: []workload.Step{
			{Kind: workload.Work, Dur: workload.Dist{A: 1_000_000}},
			{Kind: workload.Wait, Dur: workload.Dist{A: 1_000_000_000}},
		},
	}}}
	prof, err := runtime.Builtin("cpython")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Run(context.Background(), Config{Workload: wl, Deployment: model.Deployment{Kind: model.ThreadPerTask}, Profile: prof, Cores: 2, SwitchInterval: 5_000_000}); err != nil {
			b.Fatal(err)
		}
	}
}

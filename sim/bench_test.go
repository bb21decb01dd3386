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
func millionTasks() *workload.Workload { return flatTasks(1_000_000) }

// flatTasks is n tasks of [work 1ms, wait 2s].
func flatTasks(n int) *workload.Workload {
	return &workload.Workload{Name: "million", Seed: 1, Groups: []workload.Group{{
		Name: "t", Count: n,
		Steps: []workload.Step{
			{Kind: workload.Work, Dur: workload.Dist{A: 1_000_000}},
			{Kind: workload.Wait, Dur: workload.Dist{A: 2_000_000_000}},
		},
	}}}
}

func benchMillion(b *testing.B, d model.Deployment) { benchFlat(b, millionTasks(), d) }

func benchFlat(b *testing.B, wl *workload.Workload, d model.Deployment) {
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

// Issue 16's larger size: 10,000,000 tasks of [work 1ms, wait 2s]. Each
// run takes seconds: `-bench Tasks10M -benchtime 1x`. (Not named Million,
// so that -bench Million runs the million only.)
func BenchmarkTasks10MAsyncio(b *testing.B) {
	benchFlat(b, flatTasks(10_000_000), model.Deployment{Kind: model.Asyncio})
}
func BenchmarkTasks10MThreads64(b *testing.B) {
	benchFlat(b, flatTasks(10_000_000), model.Deployment{Kind: model.ThreadPool, Threads: 64})
}
func BenchmarkTasks10MProcesses8(b *testing.B) {
	benchFlat(b, flatTasks(10_000_000), model.Deployment{Kind: model.Processes, Procs: 8})
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

// gatherTree is a task that gathers branches levels deep, each level of
// fan branches, whose leaves wait leaf: 6 levels of 6 are 55,986 child
// tasks and 46,656 leaves.
func gatherTree(levels, fan int, leaf int64) *workload.Workload {
	steps := []workload.Step{{Kind: workload.Wait, Dur: workload.Dist{A: leaf}}}
	for i := 0; i < levels; i++ {
		steps = []workload.Step{{Kind: workload.Gather, Branches: []workload.Branch{{Count: fan, Steps: steps}}}}
	}
	return &workload.Workload{Name: "tree", Seed: 1, Groups: []workload.Group{{Name: "crawl", Count: 1, Steps: steps}}}
}

func benchRun(b *testing.B, wl *workload.Workload, d model.Deployment) {
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
	if r.Deadlock != nil || r.Tasks != wl.NumTasks() {
		b.Fatalf("%d of %d tasks finished, deadlock %v", r.Tasks, wl.NumTasks(), r.Deadlock)
	}
	b.ReportMetric(float64(r.Makespan)/1e9, "virtual-s")
}

// The crawler of issue 11: a tree of gathers 6 levels deep, 6 branches
// each, 55,986 child tasks whose 46,656 leaves each await asyncio.sleep(0.05).
func BenchmarkGatherTreeAsyncio(b *testing.B) {
	benchRun(b, gatherTree(6, 6, 50_000_000), model.Deployment{Kind: model.Asyncio})
}

// 1,000,000 requests through a pool of 100 connections: each holds one
// for 5 ms.
func BenchmarkPool1MAsyncio(b *testing.B) {
	wl := &workload.Workload{Name: "pool", Seed: 1,
		Resources: []workload.Resource{{Name: "db", Capacity: 100}},
		Groups: []workload.Group{{Name: "req", Count: 1_000_000, Steps: []workload.Step{
			{Kind: workload.Work, Dur: workload.Dist{A: 100_000}},
			{Kind: workload.Use, Resource: 0, Steps: []workload.Step{{Kind: workload.Wait, Dur: workload.Dist{A: 5_000_000}}}},
		}}}}
	benchRun(b, wl, model.Deployment{Kind: model.Asyncio})
}

func BenchmarkPool1MThreads64(b *testing.B) {
	wl := &workload.Workload{Name: "pool", Seed: 1,
		Resources: []workload.Resource{{Name: "db", Capacity: 100}},
		Groups: []workload.Group{{Name: "req", Count: 1_000_000, Steps: []workload.Step{
			{Kind: workload.Work, Dur: workload.Dist{A: 100_000}},
			{Kind: workload.Use, Resource: 0, Steps: []workload.Step{{Kind: workload.Wait, Dur: workload.Dist{A: 5_000_000}}}},
		}}}}
	benchRun(b, wl, model.Deployment{Kind: model.ThreadPool, Threads: 64})
}

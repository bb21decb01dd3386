package sim

import (
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

func fixed(d int64) workload.Dist { return workload.Dist{Kind: workload.Fixed, A: d} }

func TestQuick(t *testing.T) {
	ms := int64(1e6)
	wait2 := []workload.Step{{Kind: workload.Wait, Dur: fixed(2000 * ms)}}
	wl := &workload.Workload{Name: "seed", Seed: 1, Groups: []workload.Group{
		{Name: "A", Count: 1, Steps: wait2}, {Name: "B", Count: 1, Steps: wait2}, {Name: "C", Count: 1, Steps: wait2}}}
	prof := runtime.Profile{Name: "cpython", GIL: true, Slowdown: 1}
	for _, d := range []model.Deployment{{Kind: model.Sync}, {Kind: model.ThreadPool, Threads: 3}, {Kind: model.Asyncio}, {Kind: model.Processes, Procs: 2}, {Kind: model.ThreadPerTask}} {
		r, err := Run(Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2, SwitchInterval: 5 * ms, RecordTasks: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%v: makespan %d switches %d records %+v", d.String(), r.Makespan, r.GILSwitches, r.Records)
	}
	cpu := []workload.Step{{Kind: workload.Work, Dur: fixed(1000 * ms)}}
	wl2 := &workload.Workload{Name: "cpu", Seed: 1, Groups: []workload.Group{{Name: "w", Count: 2, Steps: cpu}}}
	for _, d := range []model.Deployment{{Kind: model.Sync}, {Kind: model.ThreadPool, Threads: 2}, {Kind: model.Asyncio}, {Kind: model.Processes, Procs: 2}} {
		r, err := Run(Config{Workload: wl2, Deployment: d, Profile: prof, Cores: 2, SwitchInterval: 5 * ms, RecordTasks: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%v: makespan %d switches %d gilwait %d busy %d", d.String(), r.Makespan, r.GILSwitches, r.GILWait, r.CPUBusy)
	}
	io := []workload.Step{{Kind: workload.Repeat, Count: 200, Steps: []workload.Step{{Kind: workload.Wait, Dur: fixed(500000)}}}}
	wl3 := &workload.Workload{Name: "convoy", Seed: 1, Groups: []workload.Group{{Name: "io", Count: 1, Steps: io}, {Name: "cpu", Count: 1, Steps: []workload.Step{{Kind: workload.Work, Dur: fixed(3000 * ms)}}}}}
	prof.SleepOvershoot = 75000
	r, _ := Run(Config{Workload: wl3, Deployment: model.Deployment{Kind: model.ThreadPerTask}, Profile: prof, Cores: 2, SwitchInterval: 5 * ms, RecordTasks: true})
	t.Logf("convoy: %+v", r.Records)
}

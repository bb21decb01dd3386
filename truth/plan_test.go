package truth

import (
	"context"
	"strings"
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// TestTasksDrawLikeTheEngine checks that the exported durations are the
// engine's: under sync, with a profile of zero costs and one core, the
// engine's end of each task is the sum of the durations Tasks drew for it
// and the tasks before it.
func TestTasksDrawLikeTheEngine(t *testing.T) {
	tests := []string{
		"3 x [work exp(20ms), wait uniform(1ms, 9ms), repeat 3 [work normal(2ms, 3ms), wait lognormal(1ms, 2ms)]]",
		"seed=7; A: [wait exp(50ms) blocking, work 0s, work exp(5ms) released]; 4 x B: [repeat 2 [repeat 2 [wait normal(1ms, 5ms)]]] every 1ms",
		"seed=3; 5 x [work 1ms, repeat 2 [work 0s], wait exp(1ms) offload thread]",
	}
	prof := runtime.Profile{Name: "cpython", GIL: true, Asyncio: true, Processes: true, Slowdown: 1}
	for _, expr := range tests {
		wl, err := workload.ParseInline(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		tasks, err := Tasks(wl)
		if err != nil {
			t.Fatal(err)
		}
		res, err := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: model.Deployment{Kind: model.Sync},
			Profile: prof, Cores: 1, SwitchInterval: 5e6, RecordTasks: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) != len(res.Records) {
			t.Fatalf("%s: %d tasks, the engine ran %d", expr, len(tasks), len(res.Records))
		}
		var end int64
		for i, task := range tasks {
			end = max(end, task.Release)
			for _, s := range task.Steps {
				if s.Dur <= 0 {
					t.Errorf("%s: task %s has a step of %d ns; zero steps are left out", expr, task.Name, s.Dur)
				}
				end += s.Dur
			}
			if r := res.Records[i]; r.Name != task.Name || r.End != end {
				t.Errorf("%s: task %d is %q ending at %d; the engine has %q ending at %d", expr, i, task.Name, end, r.Name, r.End)
			}
		}
	}
}

func TestTasksExpandsRepeatsInOrder(t *testing.T) {
	wl, err := workload.ParseInline("x: [work 1ms, repeat 2 [wait 2ms blocking, work 3ms released offload process], wait 4ms] start 5ms")
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := Tasks(wl)
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Work, 1e6, workload.OffloadNone},
		{WaitBlocking, 2e6, workload.OffloadNone}, {WorkReleased, 3e6, workload.OffloadProcess},
		{WaitBlocking, 2e6, workload.OffloadNone}, {WorkReleased, 3e6, workload.OffloadProcess},
		{Wait, 4e6, workload.OffloadNone},
	}
	if len(tasks) != 1 || tasks[0].Name != "x" || tasks[0].Release != 5e6 {
		t.Fatalf("tasks = %+v", tasks)
	}
	if got := tasks[0].Steps; len(got) != len(want) {
		t.Fatalf("steps = %+v, want %+v", got, want)
	}
	for i, s := range tasks[0].Steps {
		if s != want[i] {
			t.Errorf("step %d = %+v, want %+v", i, s, want[i])
		}
	}
}

func TestTasksRefusesTooManySteps(t *testing.T) {
	wl, err := workload.ParseInline("1000 x [repeat 3000 [work 1us]]")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Tasks(wl); err == nil || !strings.Contains(err.Error(), "too many to export") {
		t.Errorf("err = %v, want too many steps", err)
	}
}

// A workload with the shapes of SPEC §1.1 is refused, not exported
// without them.
func TestTasksRefusesShapes(t *testing.T) {
	for _, src := range []string{
		"res db=2; 3 x [use db [wait 1ms]]",
		"3 x [gather [2x [wait 1ms]]]",
		"3 x [choose [[wait 1ms], [work 1ms]]]",
		"3 x [work 1ms] input 1MB",
	} {
		wl, err := workload.ParseInline(src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Tasks(wl); err == nil || !strings.Contains(err.Error(), "cannot be exported yet") {
			t.Errorf("%s: %v, want refused", src, err)
		}
	}
}

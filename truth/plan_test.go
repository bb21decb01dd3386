package truth

import (
	"context"
	"reflect"
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
		// The shapes of SPEC §1.1: sync runs a gather's branches one after
		// another, so a task ends after every duration drawn for it and its
		// children, and after the alternatives its chooses drew.
		"seed=5; 6 x [choose [3: [wait exp(5ms)], 1: [work uniform(1ms, 3ms), wait 2ms]], gather [3 x [wait exp(2ms), choose [[wait 1ms], [work exp(1ms)]]], [work exp(1ms)]], wait exp(1ms)]",
		"seed=9; res db=1; 4 x [use db [wait exp(2ms)], gather [2 x [use db [work exp(1ms)], gather [2 x [choose [[wait exp(1ms)], [wait 0s]]]]]], repeat 2 [choose [[work exp(1ms)], [wait exp(3ms)]]]]",
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
			var walk func(steps []Step)
			walk = func(steps []Step) {
				for _, s := range steps {
					switch s.Kind {
					case Use, Choose:
						walk(s.Steps)
					case Gather:
						for _, b := range s.Branches {
							walk(b)
						}
					default:
						if s.Dur <= 0 {
							t.Errorf("%s: task %s has a step of %d ns; zero steps are left out", expr, task.Name, s.Dur)
						}
						end += s.Dur
					}
				}
			}
			walk(task.Steps)
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
		{Kind: Work, Dur: 1e6},
		{Kind: WaitBlocking, Dur: 2e6}, {Kind: WorkReleased, Dur: 3e6, Offload: workload.OffloadProcess},
		{Kind: WaitBlocking, Dur: 2e6}, {Kind: WorkReleased, Dur: 3e6, Offload: workload.OffloadProcess},
		{Kind: Wait, Dur: 4e6},
	}
	if len(tasks) != 1 || tasks[0].Name != "x" || tasks[0].Release != 5e6 {
		t.Fatalf("tasks = %+v", tasks)
	}
	if got := tasks[0].Steps; len(got) != len(want) {
		t.Fatalf("steps = %+v, want %+v", got, want)
	}
	for i, s := range tasks[0].Steps {
		if !reflect.DeepEqual(s, want[i]) {
			t.Errorf("step %d = %+v, want %+v", i, s, want[i])
		}
	}
}

// TestTasksJoinsOffloadedCalls: a step offloaded to a thread right after
// another, in the same block and round, goes on its executor call
// ("thread+"), as the engine runs it; a step of the loop's between them
// (even one of no time, left out) or a repeat's next round opens a new
// call, and a step of no time inside a call is left out of it.
func TestTasksJoinsOffloadedCalls(t *testing.T) {
	wl, err := workload.ParseInline("x: [wait 1ms blocking offload thread, work 2ms offload thread, work 0s offload thread, " +
		"wait 3ms blocking offload thread, work 1ms, wait 4ms blocking offload thread, " +
		"repeat 2 [wait 5ms blocking offload thread, wait 6ms blocking offload thread], work 0s, wait 7ms blocking offload thread]")
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := Tasks(wl)
	if err != nil {
		t.Fatal(err)
	}
	var got []any
	for _, s := range stepsData(tasks[0].Steps) {
		got = append(got, s.([]any)[2:]...)
	}
	want := []any{"thread", "thread+", "thread+", "thread", "thread", "thread+", "thread", "thread+", "thread"}
	if len(tasks[0].Steps) != 10 || !reflect.DeepEqual(got, want) {
		t.Errorf("steps %v: offloads %v, want the work of 1 ms and %v", stepsData(tasks[0].Steps), got, want)
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

// An open workload with the shapes of SPEC §1.1 is served, with its
// resources, gathers and the alternatives drawn; one whose requests carry
// data to worker processes is refused, not served without it.
func TestRequestsShapes(t *testing.T) {
	for _, src := range []string{
		"res db=2; arrivals=10/s for 1s; [use db [wait 1ms]]",
		"arrivals=10/s for 1s; [gather [2x [wait 1ms]]]",
		"arrivals=10/s for 1s; [choose [[wait 1ms], [work 1ms]]]",
	} {
		wl, err := workload.ParseInline(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if reqs, err := Requests(wl, 0); err != nil || len(reqs) == 0 || len(reqs[0].Steps) != 1 {
			t.Errorf("%s: %v", src, err)
		}
	}
	wl, err := workload.ParseInline("arrivals=10/s for 1s; [work 1ms offload process input 1MB]")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Requests(wl, 0); err == nil || !strings.Contains(err.Error(), "input/output cannot be served by an exported server yet") {
		t.Errorf("%v, want refused", err)
	}
}

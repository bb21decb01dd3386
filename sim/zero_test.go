package sim

import (
	"testing"

	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

// TestZeroLengthTasks runs tasks that take no time at all: each finishes
// inside the hand-out that gave it to a worker, which frees the worker for
// the next one in the same instant. The engine used to hand out once per
// instant and then find nothing left to happen.
func TestZeroLengthTasks(t *testing.T) {
	cases := []string{
		"2 x [wait 0s]",
		"3 x [work 0s]",
		"2 x [work 0s, wait 0s]; 2 x [repeat 3 [wait 0s]]",
		"100 x [work normal(2ms, 1ms)]", // a clamped normal draws 0 now and then
		"5 x [work uniform(0s, 1us)]",
	}
	models := append([]string{"threads"}, randomModels...)
	profiles := []runtime.Profile{bare, costly("cpython", true, 1), costly("cpython-ft", false, 1.1)}
	for _, expr := range cases {
		wl, err := workload.ParseInline(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		for _, m := range models {
			for _, prof := range profiles {
				for _, cores := range []int{1, 3} {
					checkRun(t, expr+" under "+m+" on "+prof.Name, wl, deployment(t, m), prof, cores, 5*ms)
				}
			}
		}
	}
}

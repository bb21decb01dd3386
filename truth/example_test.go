package truth_test

import (
	"fmt"

	"github.com/conclab/conclab/truth"
	"github.com/conclab/conclab/workload"
)

// Tasks draws each task's durations as the simulator does, with repeats
// expanded; an exported program embeds exactly these.
func ExampleTasks() {
	wl, err := workload.ParseInline("2 x fetch: [work 5ms, repeat 2 [wait 1ms blocking]] every 10ms")
	if err != nil {
		panic(err)
	}
	tasks, err := truth.Tasks(wl)
	if err != nil {
		panic(err)
	}
	for _, t := range tasks {
		fmt.Print(t.Name, " at ", workload.FormatDuration(t.Release), ":")
		for _, s := range t.Steps {
			fmt.Print(" ", s.Kind, " ", workload.FormatDuration(s.Dur))
		}
		fmt.Println()
	}
	// Output:
	// fetch-1 at 0s: work 5ms wait_blocking 1ms wait_blocking 1ms
	// fetch-2 at 10ms: work 5ms wait_blocking 1ms wait_blocking 1ms
}

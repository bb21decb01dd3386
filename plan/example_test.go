package plan_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/workload"
)

// A workload, resolved with a flag's worth of overrides, then simulated.
func Example() {
	wl, err := workload.ParseInline("cores=4; 3 x [wait 2s]")
	if err != nil {
		panic(err)
	}
	p, err := plan.New(wl, nil, plan.Overrides{Models: []string{"sync", "threads(3)"}})
	if err != nil {
		panic(err)
	}
	runs, err := p.Simulate(context.Background(), plan.Options{})
	if err != nil {
		panic(err)
	}
	for _, r := range runs {
		fmt.Printf("%s: %.1f s\n", r.Result.Model, float64(r.Result.Makespan)/1e9)
	}
	// Output:
	// sync: 6.0 s
	// threads(3): 2.0 s
}

// A mistake in the workload's models: is placed in its file.
func ExampleError() {
	text := "tasks: [{name: A, steps: [{wait: 1s}]}]\nmodels: [sync, \"threads(0)\"]\n"
	wl, err := workload.Parse("w.yaml", []byte(text))
	if err != nil {
		panic(err)
	}
	_, err = plan.New(wl, []byte(text), plan.Overrides{})
	var pe *plan.Error
	if errors.As(err, &pe) {
		line, col := pe.Pos()
		fmt.Println(pe.Field, line, col)
		fmt.Println(err)
	}
	// Output:
	// workload 2 25
	// w.yaml:2:25: threads(0): a pool needs at least 1 thread
}

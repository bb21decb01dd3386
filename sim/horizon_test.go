package sim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

// TestTimeOverflow runs workloads built in code past what the workload
// package would accept: their instants would overflow int64 nanoseconds.
// They used to end with negative release times and makespans; now a run
// either stays below the horizon or stops with ErrTooLong.
func TestTimeOverflow(t *testing.T) {
	const h = int64(3600e9)
	steps := func(s ...workload.Step) []workload.Step { return s }
	wait := func(d int64) workload.Step { return workload.Step{Kind: workload.Wait, Dur: workload.Dist{A: d}} }
	work := func(d int64) workload.Step { return workload.Step{Kind: workload.Work, Dur: workload.Dist{A: d}} }
	repeat := func(n int, s workload.Step) workload.Step {
		return workload.Step{Kind: workload.Repeat, Count: n, Steps: steps(s)}
	}
	open := func(rate float64, count int, window int64) *workload.Workload {
		return &workload.Workload{Name: "w", Seed: 1, Arrivals: &workload.Arrivals{Rate: rate, Count: count, For: window},
			Groups: []workload.Group{{Name: "g", Count: 1, Weight: 1, Steps: steps(wait(1e9))}}}
	}
	tests := []struct {
		name   string
		wl     *workload.Workload
		models []string
		err    error
	}{
		{"copies started past the horizon", &workload.Workload{Name: "w", Seed: 1, Groups: []workload.Group{
			{Name: "g", Count: 5, Start: 2400 * h, Every: 1 << 61, Weight: 1, Steps: steps(wait(1e9))}}},
			[]string{"sync", "threads(2)", "asyncio"}, ErrTooLong},
		{"a task of 2000 waits of 2400h", &workload.Workload{Name: "w", Seed: 1, Groups: []workload.Group{
			{Name: "g", Count: 1, Weight: 1, Steps: steps(repeat(2000, wait(2400*h)))}}},
			[]string{"sync", "threads(2)", "asyncio"}, ErrTooLong},
		{"a task of 2000 works of 2400h", &workload.Workload{Name: "w", Seed: 1, Groups: []workload.Group{
			{Name: "g", Count: 1, Weight: 1, Steps: steps(repeat(2000, work(2400*h)))}}},
			[]string{"sync", "threads(2)", "asyncio"}, ErrTooLong},
		{"arrivals at 1e-300/s by count", open(1e-300, 3, 0), []string{"sync", "asyncio"}, ErrTooLong},
		{"arrivals at 1e-9/s by count", open(1e-9, 10, 0), []string{"sync", "asyncio"}, ErrTooLong},
		{"arrivals at 1e-300/s for 30s", open(1e-300, 0, 30e9), []string{"sync", "asyncio"}, nil},
	}
	for _, tt := range tests {
		for _, m := range tt.models {
			// A bound on the wall time: the arrivals at 1e-300/s used to
			// arrive forever, all at a negative instant.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			res, err := Run(ctx, Config{Workload: tt.wl, Deployment: deployment(t, m), Profile: runtime.Profile{GIL: true}, Cores: 2, SwitchInterval: 5e6})
			cancel()
			if !errors.Is(err, tt.err) {
				t.Errorf("%s under %s: error %v, want %v", tt.name, m, err, tt.err)
				continue
			}
			if err == nil && res.Makespan < 0 {
				t.Errorf("%s under %s: makespan %d", tt.name, m, res.Makespan)
			}
		}
	}
}

package truth

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// TestLoopWorkersTakeTheBurst runs the exported program of issue 10's
// case on the real python3: the worker loops take tasks as uvicorn's
// accept connections, so the first worker to poll takes the whole burst
// queued at time 0, as the simulator predicts; under a limit of 1 each
// loop takes one at a time, so both work.
func TestLoopWorkersTakeTheBurst(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	py := python(t)
	prof, err := runtime.Builtin("cpython")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		model, workload string
		workers         int // how many workers run steps
	}{
		{"processes(2)*asyncio", "4 x [work 200ms]", 1},
		{"processes(2)*asyncio(limit=1)", "4 x [wait 200ms]", 2},
	} {
		t.Run(tt.model, func(t *testing.T) {
			wl, err := workload.ParseInline(tt.workload)
			if err != nil {
				t.Fatal(err)
			}
			d, err := model.Parse(tt.model)
			if err != nil {
				t.Fatal(err)
			}
			pred, err := sim.Run(sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2,
				SwitchInterval: defaultSwitchInterval, RecordTasks: true})
			if err != nil {
				t.Fatal(err)
			}
			var prog bytes.Buffer
			if err := Export(&prog, wl, d, ExportOptions{Cores: 2}); err != nil {
				t.Fatal(err)
			}
			var got []int64
			for attempt := 0; attempt < 2; attempt++ {
				m, err := Measure(context.Background(), py, prog.Bytes(), time.Minute)
				if err != nil {
					t.Fatalf("%v\nprogram:\n%s", err, prog.String())
				}
				pids := map[int]bool{}
				for _, task := range m.Tasks {
					for _, s := range task.Steps {
						pids[s.PID] = true
					}
				}
				if len(pids) != tt.workers {
					t.Errorf("the steps ran in %d worker processes, want %d", len(pids), tt.workers)
				}
				res, _ := m.Result(d, 2)
				got = append(got, res.Makespan)
				if t.Failed() || agrees(pred.Makespan, res.Makespan) {
					break
				}
			}
			if !agrees(pred.Makespan, got[len(got)-1]) {
				t.Errorf("measured makespans %v, predicted %s: beyond 25%% or 30 ms", seconds(got), report.Seconds(pred.Makespan))
			}
		})
	}
}

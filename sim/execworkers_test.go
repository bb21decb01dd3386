package sim

import (
	"context"
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

// TestExecWorkersStartSideBySide: a JVM's or a Go program's workers are
// fresh programs, started side by side whatever the start method says;
// CPython's forked workers start one after another.
func TestExecWorkersStartSideBySide(t *testing.T) {
	wl, err := workload.ParseInline("2 x [work 1s]")
	if err != nil {
		t.Fatal(err)
	}
	d, err := model.Parse("processes(2)")
	if err != nil {
		t.Fatal(err)
	}
	java, _ := runtime.Builtin("java")
	for _, tt := range []struct {
		exec    bool
		workers int64 // start-ups before the second worker is up
	}{{true, 1}, {false, 2}} {
		prof := java
		prof.ExecWorkers = tt.exec
		res, err := Run(context.Background(), Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2, SwitchInterval: workload.DefaultSwitchInterval, RecordTasks: true})
		if err != nil {
			t.Fatal(err)
		}
		want := tt.workers*prof.ProcessFork + 1e9 + prof.ProcessTask
		if res.Makespan != want {
			t.Errorf("exec workers %v: makespan %d, want %d", tt.exec, res.Makespan, want)
		}
	}
}

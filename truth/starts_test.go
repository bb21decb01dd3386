package truth

import (
	"slices"
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

// TestStartFields: the start-ups measured are those the models make, with
// a built-in CPython profile only.
func TestStartFields(t *testing.T) {
	cpython, _ := runtime.Builtin("cpython")
	java, _ := runtime.Builtin("java")
	fork := []string{"ProcessFork", "ForkParent", "ForkChild"}
	for _, tt := range []struct {
		inline string
		models []string
		prof   runtime.Profile
		source string
		want   []string
	}{
		{"2 x [work 1ms]", []string{"processes(2)"}, cpython, report.ProfileBuiltin, fork},
		{"2 x [work 1ms]", []string{"sync", "threads(2)", "asyncio"}, cpython, report.ProfileBuiltin, nil},
		{"2 x [work 1ms]", []string{"processes(2, start=spawn)"}, cpython, report.ProfileBuiltin, []string{"ProcessSpawn", "ResourceTracker"}},
		{"2 x [work 1ms]", []string{"processes(2, start=forkserver)", "processes(2)"}, cpython, report.ProfileBuiltin,
			[]string{"ProcessFork", "ForkParent", "ForkChild", "ResourceTracker", "ForkserverBoot", "ProcessForkserver"}},
		// The loop's pool forks, whatever the runtime's start method.
		{"2 x [work 1ms offload process]", []string{"asyncio"}, cpython, report.ProfileBuiltin, fork},
		{"2 x [work 1ms offload process]", []string{"processes(2, start=spawn)*asyncio"}, cpython, report.ProfileBuiltin,
			[]string{"ProcessFork", "ForkParent", "ForkChild", "ProcessSpawn", "ResourceTracker"}},
		{"2 x [work 1ms offload process]", []string{"threads(2)"}, cpython, report.ProfileBuiltin, nil},
		// Data to and from worker processes: the moves too.
		{"2 x [work 1ms] input 1MB", []string{"processes(2)", "threads(2)"}, cpython, report.ProfileBuiltin,
			[]string{"ProcessFork", "ForkParent", "ForkChild", "PickleSend", "PickleRecv", "PickleFresh"}},
		{"2 x [work 1ms] input 1MB", []string{"threads(2)"}, cpython, report.ProfileBuiltin, nil},
		{"2 x [work 1ms offload process output 1MB]", []string{"asyncio"}, cpython, report.ProfileBuiltin,
			[]string{"ProcessFork", "ForkParent", "ForkChild", "PickleSend", "PickleRecv", "PickleFresh"}},
		// A profile file is this machine's, or the user's choice; Java's
		// workers are fresh programs.
		{"2 x [work 1ms]", []string{"processes(2)"}, cpython, "mine.yaml", nil},
		{"2 x [work 1ms]", []string{"processes(2)"}, java, report.ProfileBuiltin, nil},
	} {
		wl, err := workload.ParseInline(tt.inline)
		if err != nil {
			t.Fatal(err)
		}
		var models []model.Deployment
		for _, m := range tt.models {
			d, err := model.Parse(m)
			if err != nil {
				t.Fatal(err)
			}
			models = append(models, d)
		}
		tasks, err := Tasks(wl)
		if err != nil {
			t.Fatal(err)
		}
		tg := Target{Workload: wl, Models: models, Profile: tt.prof, ProfileSource: tt.source}
		got := startFields(tg, tasks)
		slices.Sort(got)
		want := slices.Clone(tt.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s under %v on %s (%s): %v, want %v", tt.inline, tt.models, tt.prof.Name, tt.source, got, want)
		}
	}
}

// TestStartCostsMerge: a suite's start-ups are every scenario's.
func TestStartCostsMerge(t *testing.T) {
	a := &StartCosts{Fields: []string{"ProcessFork"}, Measured: map[string]int64{"ProcessFork": 20}, Profile: map[string]int64{"ProcessFork": 8}}
	b := &StartCosts{Fields: []string{"ProcessSpawn"}, Measured: map[string]int64{"ProcessSpawn": 100}, Profile: map[string]int64{"ProcessSpawn": 57}}
	if (*StartCosts)(nil).merge(nil) != nil || a.merge(nil) != a || (*StartCosts)(nil).merge(b) != b {
		t.Error("merging with nothing")
	}
	m := a.merge(b)
	if !slices.Equal(m.Fields, []string{"ProcessFork", "ProcessSpawn"}) || m.Measured["ProcessSpawn"] != 100 || m.Profile["ProcessFork"] != 8 {
		t.Errorf("merged %+v", m)
	}
	if m.What() != "worker start-ups" || (&StartCosts{Fields: []string{"PickleSend"}}).What() != "data moves to worker processes" ||
		(&StartCosts{Fields: []string{"ProcessFork", "PickleRecv"}}).What() != "worker start-ups and data moves" {
		t.Errorf("what was measured: %q", m.What())
	}
}

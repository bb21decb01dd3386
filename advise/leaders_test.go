package advise

import (
	"slices"
	"testing"

	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

func TestLeaders(t *testing.T) {
	batch := &workload.Workload{Name: "batch"}
	open := &workload.Workload{Name: "open", Arrivals: &workload.Arrivals{Rate: 200, For: 10e9}}
	run := func(makespan, p99 int64, over bool) *sim.Result {
		r := &sim.Result{Makespan: makespan, Overloaded: over}
		r.Latency.P99 = p99
		return r
	}
	tests := []struct {
		name string
		wl   *workload.Workload
		runs []*sim.Result
		want []int
	}{
		{"one shortest", batch, []*sim.Result{run(6e9, 0, false), run(2e9, 0, false), run(3e9, 0, false)}, []int{1}},
		// 10.761 s against 10.762 s is no reason to prefer one.
		{"a tie in the last digit", batch, []*sim.Result{run(193e9, 0, false), run(10_762e6, 0, false), run(10_761e6, 0, false)}, []int{1, 2}},
		{"within 5 %", batch, []*sim.Result{run(2e9, 0, false), run(2_090e6, 0, false), run(2_110e6, 0, false)}, []int{0, 1}},
		{"all tied", batch, []*sim.Result{run(2e9, 0, false), run(2e9, 0, false)}, []int{0, 1}},
		// A batch is never overloaded, whatever the engine's flag says.
		{"a batch ignores overload", batch, []*sim.Result{run(2e9, 0, true), run(3e9, 0, false)}, []int{0}},
		{"open: by p99", open, []*sim.Result{run(10e9, 300e6, false), run(10e9, 120e6, false), run(10e9, 121e6, false)}, []int{1, 2}},
		{"open: the overloaded are out", open, []*sim.Result{run(190e9, 1e6, true), run(10e9, 120e6, false)}, []int{1}},
		{"open: all overloaded", open, []*sim.Result{run(190e9, 1e6, true), run(50e9, 2e6, true)}, nil},
		{"nothing", batch, nil, nil},
	}
	for _, tt := range tests {
		if got := Leaders(tt.wl, tt.runs); !slices.Equal(got, tt.want) {
			t.Errorf("%s: leaders %v, want %v", tt.name, got, tt.want)
		}
	}
}

// A run that a deadlock stopped early does not lead, however short.
func TestLeadersLeaveDeadlocksOut(t *testing.T) {
	fast := &sim.Result{Makespan: 10, Deadlock: &sim.Deadlock{At: 10}}
	slow := &sim.Result{Makespan: 100}
	if got := Leaders(nil, []*sim.Result{fast, slow}); len(got) != 1 || got[0] != 1 {
		t.Errorf("Leaders = %v, want [1]", got)
	}
}

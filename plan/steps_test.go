package plan

import (
	"errors"
	"testing"

	"github.com/conclab/conclab/workload"
)

// TestStepsCountsGILSwitches: threads that share a GIL hand it over every
// switch interval of Python work, and each hand-over is a step of the
// simulation; one thread, C code and runtimes without a GIL make none.
func TestStepsCountsGILSwitches(t *testing.T) {
	tests := []struct {
		inline, runtime string
		models          []string
		want            int64
	}{
		{"2 x [work 100h]", "", []string{"threads(2)"}, 2 + 2*100*3600*1000/5},
		{"2 x [work 100h]", "", []string{"sync", "asyncio"}, 2},
		{"2 x [work 100h]", "", []string{"processes(2)*threads(2)"}, 2 + 2*100*3600*1000/5},
		{"2 x [work 100h]", "", []string{"processes(2)"}, 2},
		{"2 x [work 100h]", "", []string{"threads(1, fanout=2)"}, 2 + 2*100*3600*1000/5},
		{"2 x [work 100h released]", "", []string{"threads"}, 2},
		{"2 x [work 100h]", "cpython-ft", []string{"threads(2)"}, 2},
		{"switch=1ms; 4 x [repeat 10 [work 2ms, wait 1ms]]", "", []string{"sync", "threads(4)"}, 80 + 4*10*2},
	}
	for _, tt := range tests {
		wl, err := workload.ParseInline(tt.inline)
		if err != nil {
			t.Fatal(err)
		}
		p, err := New(wl, nil, Overrides{Runtime: tt.runtime, Cores: 2, Models: tt.models})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Steps(wl); got != tt.want {
			t.Errorf("%s under %v on %q: Steps = %d, want %d", tt.inline, tt.models, tt.runtime, got, tt.want)
		}
	}
	wl, _ := workload.ParseInline("2 x [work 1000h]")
	if _, err := New(wl, nil, Overrides{Cores: 2, Models: []string{"threads(2)"}, MaxSteps: DefaultMaxSteps}); err == nil {
		t.Errorf("2 x [work 1000h] under threads(2), 1.44 billion GIL switches, was not refused")
	}
}

// A gather's branches are tasks the engine runs: each copy counts its
// steps and two more (its creation and its end), so a huge fan-out is
// refused before it runs.
func TestStepsCountsGatherBranches(t *testing.T) {
	wl, err := workload.Parse("tree.yaml", []byte(`
resources: {db: {capacity: 10}}
tasks:
  - steps:
      - gather:
          - count: 6
            steps: [{gather: [{count: 6, steps: [{use: db, steps: [{wait: 50ms}]}]}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	// The task, its gather, 6 branches of (2 + 1 gather + 6 × (2 + 3)).
	if got, want := wl.Steps(), int64(1+6*(2+1+6*(2+3))); got != want {
		t.Errorf("Steps = %d, want %d", got, want)
	}
	wl, err = workload.Parse("fan.yaml", []byte(`tasks: [{steps: [{gather: [{count: 50000000, steps: [{wait: 1s}, {wait: 1s}, {wait: 1s}, {wait: 1s}, {wait: 1s}]}]}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(wl, nil, Overrides{Cores: 2, Models: []string{"asyncio"}, MaxSteps: DefaultMaxSteps})
	var pe *Error
	if !errors.As(err, &pe) || pe.Field != FieldMaxSteps {
		t.Errorf("a gather of 50,000,000 branches of 5 steps: %v, want a refusal for its steps", err)
	}
}

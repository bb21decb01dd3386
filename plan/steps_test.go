package plan

import (
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

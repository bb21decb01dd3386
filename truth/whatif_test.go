package truth

import (
	"bytes"
	"context"
	"math"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/machine"
	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/whatif"
	"github.com/conclab/conclab/workload"
)

// TestWhatifAgainstCPython: conclab whatif's predicted effect of making a
// step faster is what making it faster does on CPython. 100 tasks on
// threads(8), each waiting 5 ms and then holding a lock for 2 ms of work:
// the program is run as it is, with the in-lock work halved and with the
// wait halved, and each measured change of the makespan is within 10
// percentage points of the predicted one (−48 % and 0 % here).
func TestWhatifAgainstCPython(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	py := needPython(t)
	const cores = 2
	wl, d, _, prog := exported(t, "res lock=1; 100 x job: [wait 5ms, use lock [work 2ms]]", "threads(8)", cores)
	prof, err := runtime.Builtin("cpython")
	if err != nil {
		t.Fatal(err)
	}
	p := &plan.Plan{Workload: wl, Profile: prof, Cores: cores, SwitchInterval: workload.DefaultSwitchInterval}
	r, err := whatif.Run(context.Background(), p, d, whatif.Options{Speedups: []float64{0.5}})
	if err != nil {
		t.Fatal(err)
	}
	measure := func(prog []byte) (int64, bool) {
		var m *Measurement
		var err error
		busy, _ := machine.BusyDuring(func() { m, err = Measure(context.Background(), py, prog, time.Minute) })
		if err != nil {
			t.Fatal(err)
		}
		res, _ := m.Result(d, cores)
		return res.Makespan, busy
	}
	for _, e := range r.Effects {
		if e.Kind != whatif.Speedup {
			continue
		}
		changed := whatif.Apply(wl, e.Change)
		var faster bytes.Buffer
		if err := Export(&faster, changed, d, ExportOptions{Cores: cores}); err != nil {
			t.Fatal(err)
		}
		var miss string
		for attempt := 1; attempt <= 3; attempt++ {
			base, busy1 := measure(prog.Bytes())
			after, busy2 := measure(faster.Bytes())
			got := float64(after-base) / float64(base)
			t.Logf("%s %s: makespan %+.1f%% predicted, %+.1f%% measured (%s → %s)", e.Step, e.Label(), 100*e.MakespanChange, 100*got,
				time.Duration(base), time.Duration(after))
			if math.Abs(got-e.MakespanChange) <= 0.10 {
				miss = ""
				break
			}
			miss = e.Step + " " + e.Label() + ": the measured change is more than 10 points from the predicted one"
			if !busy1 && !busy2 {
				break
			}
		}
		if miss != "" {
			t.Error(miss)
		}
	}
}

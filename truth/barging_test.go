package truth

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/machine"
	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// TestSemaphoreBargingAgainstCPython: 200 requests on 50 threads, each
// holding one of 10 connections (threading.BoundedSemaphore) for 20 ms.
// CPython does not serve them in the order they queued: a thread that
// gives a connection back takes its next request and the connection
// again before the waiter it woke has its GIL back, so most of the 40
// requests that queued first (11–50) and some after them wait to the end,
// while requests 71–200 go through in order. The engine must leave about
// as many of requests 11–70 to the last 40 % of the run as CPython does
// (a first-come line leaves none), and end each of requests 71–200 within
// a tenth of the makespan of CPython's time. Which of the early requests
// are left over turns on who gets the GIL first, in both, so it is not
// compared request by request.
func TestSemaphoreBargingAgainstCPython(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	py := needPython(t)
	const cores = 2
	wl, d, tasks, prog := exported(t, "res db=10; 200 x [work 200us, use db [wait 20ms]]", "threads(50)", cores)
	prof, err := runtime.Builtin("cpython")
	if err != nil {
		t.Fatal(err)
	}
	pred, err := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: cores,
		SwitchInterval: workload.DefaultSwitchInterval, RecordTasks: true})
	if err != nil {
		t.Fatal(err)
	}
	predEnd := func(i int) float64 { return float64(pred.Records[i].End) / 1e9 }
	late := func(end func(int) float64, makespan float64) int {
		n := 0
		for i := 10; i < 70; i++ {
			if end(i) > 0.6*makespan {
				n++
			}
		}
		return n
	}
	predLate := late(predEnd, float64(pred.Makespan)/1e9)
	var problems []string
	for attempt := 1; attempt <= 3; attempt++ {
		var m *Measurement
		loaded, u := machine.BusyDuring(func() { m, err = Measure(context.Background(), py, prog.Bytes(), time.Minute) })
		if err != nil {
			t.Fatalf("%v\nprogram:\n%s", err, prog.String())
		}
		if len(m.Tasks) != len(tasks) {
			t.Fatalf("CPython ran %d tasks, want %d", len(m.Tasks), len(tasks))
		}
		measEnd := func(i int) float64 { return m.Tasks[i].End }
		measLate := late(measEnd, m.Makespan)
		t.Logf("attempt %d: of requests 11–70, %d ended in the last 40 %% of CPython's %.3f s, %d of the predicted %.3f s",
			attempt, measLate, m.Makespan, predLate, float64(pred.Makespan)/1e9)
		problems = problems[:0]
		if measLate < 20 {
			problems = append(problems, "CPython served the requests that queued first in order: fewer than 20 of 11–70 were left to the end")
		}
		if predLate < measLate-15 || predLate > measLate+15 {
			problems = append(problems, "the engine leaves a different number of requests 11–70 to the end")
		}
		worst, at := 0.0, 0
		for i := 70; i < 200; i++ {
			if e := math.Abs(predEnd(i) - measEnd(i)); e > worst {
				worst, at = e, i
			}
		}
		if worst > 0.1*m.Makespan {
			problems = append(problems, "a request after the 70th ends far from CPython's time")
			t.Logf("request %d: predicted end %.3f s, measured %.3f s", at+1, predEnd(at), measEnd(at))
		}
		if len(problems) == 0 {
			return
		}
		if loaded {
			t.Logf("attempt %d ran on a busy machine (%s): %v", attempt, u, problems)
			continue
		}
		break
	}
	for _, p := range problems {
		t.Error(p)
	}
}

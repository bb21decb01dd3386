package advise

import (
	"context"
	"testing"
)

func TestSweepKneeLittlesLaw(t *testing.T) {
	wl := parse(t, ioHandler)
	swept, pts, err := ModelPoints(wl, "threads(1..64)", "cpython", true, true)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := Run(context.Background(), wl, swept, pts, setup(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range sw.Points {
		t.Logf("%v %s p99 %d served %.1f over %v", p.Value, p.Model, p.Result.Latency.P99/1e6, Served(p.Workload, p.Result), p.Overloaded)
	}
	t.Logf("knee %d", sw.Knee.Index)
}

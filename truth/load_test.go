package truth

import (
	"context"
	"strconv"
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// TestRequestsMatchSimulator: the load generator's send times, groups and
// durations are the simulator's release times, groups and work.
func TestRequestsMatchSimulator(t *testing.T) {
	tests := []struct {
		name, yaml string
	}{
		{"poisson for", `
name: p
seed: 7
arrivals: {rate: 300/s, for: 2s}
tasks:
  - name: a
    weight: 3
    steps: [{work: exp(1ms)}, {wait: 5ms}]
  - name: b
    steps: [{work: "uniform(1ms, 2ms)"}]
`},
		{"poisson count", `
name: c
arrivals: {rate: 100/s, count: 250}
tasks:
  - name: a
    steps: [{work: 1ms}]
`},
		{"uniform", `
name: u
arrivals: {rate: 40/s, pattern: uniform, for: 3s}
tasks:
  - name: a
    steps: [{wait: 1ms}]
`},
	}
	prof, err := runtime.Builtin("cpython")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wl, err := workload.Parse("test.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			reqs, err := Requests(wl, 0)
			if err != nil {
				t.Fatal(err)
			}
			d, _ := model.Parse("threads(1000)")
			res, err := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2,
				SwitchInterval: 5e6, RecordTasks: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(reqs) != len(res.Records) || len(reqs) == 0 {
				t.Fatalf("%d requests, the simulator released %d", len(reqs), len(res.Records))
			}
			rel := map[string]int64{}
			for _, r := range res.Records {
				rel[r.Name] = r.Release
			}
			for _, r := range reqs {
				name := wl.Groups[r.Group].Name + "-" + strconv.Itoa(r.ID+1)
				got, ok := rel[name]
				if !ok {
					t.Fatalf("request %d (%s): no such task in the simulation", r.ID, name)
				}
				if got != r.At {
					t.Fatalf("request %d: sent at %d ns, the simulator releases it at %d ns", r.ID, r.At, got)
				}
			}
		})
	}
}

// TestRequestsBounded: a load beyond the cap is refused, not cut.
func TestRequestsBounded(t *testing.T) {
	wl, err := workload.Parse("t.yaml", []byte("name: big\narrivals: {rate: 1000/s, for: 10s}\ntasks:\n  - name: a\n    steps: [{work: 1ms}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Requests(wl, 0); err == nil {
		t.Fatal("10,000 requests accepted; want an error beyond MaxRequests")
	}
	if _, err := Requests(&workload.Workload{Name: "batch"}, 0); err == nil {
		t.Fatal("a batch workload accepted")
	}
}

func TestPercentile(t *testing.T) {
	xs := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tt := range []struct {
		q    float64
		want int64
	}{{0.5, 5}, {0.99, 10}, {0, 1}, {1, 10}, {0.1, 1}, {0.11, 2}} {
		if got := Percentile(xs, tt.q); got != tt.want {
			t.Errorf("Percentile(1..10, %v) = %d, want %d", tt.q, got, tt.want)
		}
	}
}

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSweepCapacity(t *testing.T) {
	r := conclab(t, nil, "sweep", "db-pool", "--capacity", "db=4..12", "-m", "threads(16)", "--format", "json")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		Swept, Resource string
		Points          []struct {
			Capacity int
			Model    string
		}
		Knee *struct{ Capacity int }
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Swept != "capacity" || doc.Resource != "db" || len(doc.Points) != 9 || doc.Points[0].Capacity != 4 ||
		doc.Points[0].Model != "threads(16)" || doc.Knee == nil || doc.Knee.Capacity < 9 {
		t.Errorf("sweep: %+v", doc)
	}

	// Without -m, the workload's first model; with a range, a grid.
	r = conclab(t, nil, "sweep", "db-pool", "--capacity", "db=8..10")
	if r.code != exitOK || !strings.Contains(r.stdout, "db capacity under threads(8)") || !strings.Contains(r.stdout, "res wait") {
		t.Errorf("exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	r = conclab(t, nil, "sweep", "db-pool", "--capacity", "db=8..10", "-m", "threads(8..10)")
	if r.code != exitOK || !strings.Contains(r.stdout, "p99 latency, by threads (rows) and db capacity (columns)") {
		t.Errorf("grid: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
}

func TestSweepCapacityErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"db-pool", "--capacity", "dv=1..5"}, `unknown resource "dv", did you mean "db"?`},
		{[]string{"db-pool", "--capacity", "db=5..1"}, "the first smaller"},
		{[]string{"db-pool", "--capacity", "db=1..x"}, "whole numbers"},
		{[]string{"db-pool", "--capacity", "db"}, `no "="`},
		{[]string{"seed-io", "--capacity", "db=1..5", "-m", "threads(4)"}, "declares no resources"},
		{[]string{"db-pool", "--capacity", "db=1..5", "-m", "thread(4)"}, `unknown model "thread"`},
		{[]string{"db-pool", "--capacity", "db=1..5", "--rate", "1..2/s", "-m", "threads(4)"}, "one of them at a time"},
	} {
		r := conclab(t, nil, append([]string{"sweep"}, c.args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
			t.Errorf("sweep %v: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

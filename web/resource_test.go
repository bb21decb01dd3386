package web

import (
	"slices"
	"strings"
	"testing"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// The page's timeline carries the states of resources and data, and names
// the resource each wait was for, so that hovering says "waiting for db".
func TestTimelineResourceWaits(t *testing.T) {
	tl := timelineOf(runOf(t, "db-pool", "threads(40)"), "")
	if !slices.Equal(tl.Resources, []string{"db"}) {
		t.Fatalf("resources %q", tl.Resources)
	}
	names := stateNames()
	waits, named := 0, 0
	for _, r := range tl.Rows {
		for k := 2; k < len(r.Spans); k += 4 {
			if names[r.Spans[k]] == sim.ResourceWait.String() {
				waits++
			}
		}
		for k := 0; k+1 < len(r.ResourceOf); k += 2 {
			j, res := r.ResourceOf[k], r.ResourceOf[k+1]
			if names[r.Spans[4*j+2]] != sim.ResourceWait.String() || res != 0 {
				t.Errorf("row %s: span %d named for resource %d is %s", r.Name, j, res, names[r.Spans[4*j+2]])
			}
			if r.Causes[3*j] != int64(sim.ResourceFreed) {
				t.Errorf("row %s: span %d ended for cause %d", r.Name, j, r.Causes[3*j])
			}
			named++
		}
	}
	if waits == 0 || named == 0 {
		t.Errorf("%d spans waiting for a resource, %d named", waits, named)
	}
	words := causeWords()
	if !strings.Contains(words[sim.ResourceFreed], "{resource}") || words[sim.BranchesDone] == sim.BranchesDone.String() {
		t.Errorf("cause words %q, %q", words[sim.ResourceFreed], words[sim.BranchesDone])
	}
	if len(names) != sim.NumStates {
		t.Errorf("%d names for %d states", len(names), sim.NumStates)
	}
	styled := map[string]bool{}
	for _, st := range stateStyles() {
		styled[st.Name] = true
	}
	for _, s := range []sim.State{sim.ResourceWait, sim.Pickling} {
		if !styled[s.String()] {
			t.Errorf("no style for %s", s)
		}
	}
}

// A wait for a resource that a deadlock never ended is named too, by what
// the deadlock's cycle says the task waits for; the summary row says who
// holds what.
func TestTimelineDeadlockWaits(t *testing.T) {
	run := runOf(t, "lock-order", "threads(2)")
	tl := timelineOf(run, "")
	named := map[string]bool{}
	for _, r := range tl.Rows {
		for k := 0; k+1 < len(r.ResourceOf); k += 2 {
			named[r.Name+" "+tl.Resources[r.ResourceOf[k+1]]] = true
		}
	}
	if !named["worker-1 ledger"] {
		t.Errorf("named waits %v: want worker-1's for ledger", named)
	}
	wl, _ := workload.Parse("lock-order.yaml", mustExample(t, "lock-order"))
	if s := summaryOf(wl, run.Result); !strings.Contains(s.Deadlock, "transfer-a holds accounts, worker-1 and waits for ledger") {
		t.Errorf("summary deadlock %q", s.Deadlock)
	}
	if s := summaryOf(wl, runOf(t, "lock-order", "sync").Result); s.Deadlock != "" {
		t.Errorf("sync: summary deadlock %q", s.Deadlock)
	}
}

func mustExample(t *testing.T, name string) []byte {
	t.Helper()
	data, ok := examples.Lookup(name)
	if !ok {
		t.Fatalf("no example %q", name)
	}
	return data
}

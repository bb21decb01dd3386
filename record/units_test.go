package record

import (
	"strings"
	"testing"

	"github.com/conclab/conclab/workload"
)

// On CPython 3.12 and newer the recorder sees where the main program's
// calls of a function it knows begin and return (sys.monitoring), and a
// call's steps are then its own: a function that sleeps and then computes
// is recorded sleeping and then computing, where the boundaries alone
// give its CPU to the next call, computing before it sleeps. The first
// call, made before the recorder knew the function, begins with what the
// others begin with; the main program's CPU before it is its own.
func TestFoldUnitsAtTheirCalls(t *testing.T) {
	const (
		marked = `{"recorder":1,"python":"3.12.8","main":0,"tasks":[{"id":0,"kind":"main","name":"main","start":0,"end":80000000,"steps":[
			["w",2000000],["k",0,["<module> a.py:1","fetch a.py:2"]],["i",20000000,"time.sleep","a.py:3(fetch)"],["w",5000000],["k",1,[],"return"],
			["w",100000],["k",1,["fetch a.py:2"],"call"],["i",20000000,"time.sleep","a.py:3(fetch)"],["w",5000000],["k",1,[],"return"],
			["w",100000],["k",1,["fetch a.py:2"],"call"],["i",20000000,"time.sleep","a.py:3(fetch)"],["w",5000000],["k",1,[],"return"],
			["w",1000000]]}]}`
		// The same program recorded by 3.11: boundaries only.
		unmarked = `{"recorder":1,"python":"3.11.7","main":0,"tasks":[{"id":0,"kind":"main","name":"main","start":0,"end":80000000,"steps":[
			["w",2000000],["k",0,["<module> a.py:1","fetch a.py:2"]],["i",20000000,"time.sleep","a.py:3(fetch)"],
			["w",5100000],["k",1,["fetch a.py:2"]],["i",20000000,"time.sleep","a.py:3(fetch)"],
			["w",5100000],["k",1,["fetch a.py:2"]],["i",20000000,"time.sleep","a.py:3(fetch)"],
			["w",6000000]]}]}`
	)
	fold := func(text string) *workload.Workload {
		t.Helper()
		rec, err := Read(strings.NewReader(text))
		if err != nil {
			t.Fatal(err)
		}
		res, err := Fold(rec, Options{Command: "a.py", Name: "a", Cores: 2, Date: "2026-12-04"})
		if err != nil {
			t.Fatal(err)
		}
		return parse(t, res)
	}
	fetch := func(w *workload.Workload) workload.Group {
		t.Helper()
		for _, g := range w.Groups {
			if g.Name == "fetch" {
				return g
			}
		}
		t.Fatalf("no group fetch among %d", len(w.Groups))
		return workload.Group{}
	}
	g := fetch(fold(marked))
	if g.Count != 3 || kindsAbove(g.Steps, 0) != "iw" {
		t.Errorf("marked: %d × %s, want 3 × a sleep, then CPU", g.Count, kindsAbove(g.Steps, 0))
	} else if g.Steps[1].Dur.Mean() != 5e6 {
		t.Errorf("marked: each call computes %v, want 5 ms", g.Steps[1].Dur)
	}
	if g := fetch(fold(unmarked)); g.Count != 3 || kindsAbove(g.Steps, 0) != "wi" {
		t.Errorf("unmarked: %d × %s, want 3 × CPU, then a sleep (the next call's, by the boundaries alone)", g.Count, kindsAbove(g.Steps, 0))
	}
}

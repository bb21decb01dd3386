package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// explain --why ends the story with what to speed up and why the other
// steps buy nothing, in text and in JSON.
func TestExplainWhy(t *testing.T) {
	const inline = "res lock=1; 100 x job: [wait 1ms, use lock [work 2ms]]"
	r := conclab(t, nil, "explain", "-e", inline, "-m", "threads(8)", "--why", "--width", "200")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"What to speed up: job/2/1 (work 2ms) speedup 100% cuts the makespan 93%, the most of 10 changes tried",
		"Speeding up job/1 (wait 1ms) buys nothing, even removed: lock serialises the run: it is held 200 ms of the 206 ms; the wait overlaps the queue.",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no %q in:\n%s", want, r.stdout)
		}
	}
	r = conclab(t, nil, "explain", "-e", inline, "-m", "threads(8)", "--why", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		Lines []json.RawMessage `json:"lines"`
		Why   *struct {
			Best struct {
				Step, Change, Metric string
				Cut                  float64
			} `json:"best"`
			Idle []struct{ Step, What, Why string } `json:"idle"`
		} `json:"why"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	switch w := doc.Why; {
	case len(doc.Lines) == 0 || w == nil:
		t.Fatalf("no story or no why: %s", r.stdout)
	case w.Best.Step != "job/2/1" || w.Best.Change != "speedup 100%" || w.Best.Metric != "makespan" || w.Best.Cut < 0.9:
		t.Errorf("best change %+v, want job/2/1 removed, cutting the makespan over 90%%", w.Best)
	case len(w.Idle) != 1 || w.Idle[0].Step != "job/1" || !strings.HasPrefix(w.Idle[0].Why, "lock serialises the run"):
		t.Errorf("idle steps %+v, want job/1, the lock named", w.Idle)
	}
	// Without --why the story ends where it did.
	r = conclab(t, nil, "explain", "-e", inline, "-m", "threads(8)", "--format", "json")
	if strings.Contains(r.stdout, `"why"`) {
		t.Errorf("explain without --why says why:\n%s", r.stdout)
	}
}

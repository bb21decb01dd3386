package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/conclab/conclab/sim"
)

const crawlTree = `
tasks:
  - name: crawl
    steps:
      - wait: 10ms
      - gather:
          - count: 2
            steps: [{wait: 20ms}, {gather: [{count: 2, steps: [{wait: 5ms}]}]}]
          - steps: [{wait: 40ms}]
  - name: other
    steps: [{wait: 5ms}]`

// A gather's child tasks are rows of their own, each right under its
// parent, marked as its child, drawing the child's own states.
func TestBranchRows(t *testing.T) {
	wl, runs := simulate(t, crawlTree, "asyncio")
	run := runs[0]
	rows := NewTimelineRows(run, wl, run.Result.Makespan, 80)
	var got []string
	for _, r := range rows.Rows {
		if r.Kind == TaskRow {
			got = append(got, r.Label(40))
		}
	}
	want := []string{"crawl", "↳ crawl/1", "  ↳ crawl/1/1", "  ↳ crawl/1/2", "↳ crawl/2",
		"  ↳ crawl/2/1", "  ↳ crawl/2/2", "↳ crawl/3", "other"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("task rows %q, want %q", got, want)
	}
	for _, r := range rows.Rows {
		if r.Kind != TaskRow || r.Name != "crawl/3" {
			continue
		}
		// crawl/3 waits 40 ms from when crawl gathered it, at 10 ms.
		spans := rows.Spans(r)
		var waited int64
		for _, s := range spans {
			if s.State == sim.Waiting {
				waited += s.End - s.Start
			}
			if s.Task != r.Task {
				t.Errorf("a branch's span names task %d, not its task %d", s.Task, r.Task)
			}
		}
		if waited < 40_000_000 || spans[0].Start < 10_000_000 {
			t.Errorf("crawl/3's spans %+v: want its 40 ms wait from 10 ms on", spans)
		}
	}

	// The terminal, the SVG and the HTML report draw them.
	var b bytes.Buffer
	if err := Timeline(&b, run, Options{Width: 100}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\n↳ crawl/2") || !strings.Contains(b.String(), "  ↳ crawl/2/1") {
		t.Errorf("terminal timeline:\n%s", b.String())
	}
	b.Reset()
	if err := SVG(&b, runs, SVGOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), ">↳ crawl/2/1<") {
		t.Errorf("the SVG lacks the row of crawl/2/1")
	}
}

// Rows of branches come level by level while all the rows fit: a tree
// too big for them shows its tasks and its first level.
func TestBranchRowsFit(t *testing.T) {
	wl, runs := simulate(t, `
tasks:
  - name: crawl
    steps: [{gather: [{count: 6, steps: [{gather: [{count: 6, steps: [{wait: 1ms}]}]}]}]}]`, "asyncio", "threads(2, fanout=8)")
	rows := NewTimelineRows(runs[0], wl, runs[0].Result.Makespan, 80)
	n := 0
	for _, r := range rows.Rows {
		if r.Kind == TaskRow {
			n++
			if r.Depth > 1 {
				t.Errorf("row %s of depth %d: the second level does not fit", r.Name, r.Depth)
			}
		}
	}
	if n != 7 {
		t.Errorf("%d task rows, want crawl and its 6 branches", n)
	}
	// Threads draw tasks on their lanes, and have no task rows.
	rows = NewTimelineRows(runs[1], wl, runs[1].Result.Makespan, 80)
	for _, r := range rows.Rows {
		if r.Kind == TaskRow {
			t.Errorf("threads: task row %s", r.Name)
		}
	}
}

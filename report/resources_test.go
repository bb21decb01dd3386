package report

import (
	"bytes"
	"strings"
	"testing"
)

// twoPools: two resources, both waited for under threads(4).
const twoPools = `
name: pools
resources: {db: {capacity: 1}, cache: {capacity: 1}}
tasks:
  - name: q
    count: 2
    steps: [{use: db, steps: [{wait: 10ms}]}]
  - name: c
    count: 2
    steps: [{use: cache, steps: [{wait: 5ms}]}]
`

// Waits for resources are named by them in every legend and in the
// trace's slices: "waiting for db, cache", not a generic word.
func TestResourceWaitsNamed(t *testing.T) {
	wl, runs := simulate(t, twoPools, "threads(4)")
	if got := resourceNames(runs...); strings.Join(got, ",") != "db,cache" {
		t.Fatalf("resourceNames = %q", got)
	}
	const want = "waiting for db, cache"
	var term, svg, html, trace bytes.Buffer
	if err := Timeline(&term, runs[0], Options{Width: 100}); err != nil {
		t.Fatal(err)
	}
	if err := SVG(&svg, runs, SVGOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := HTML(&html, wl, runs, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := Trace(&trace, wl, runs, TraceOptions{}); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]*bytes.Buffer{"terminal": &term, "svg": &svg, "html": &html} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s legend lacks %q", name, want)
		}
		if strings.Contains(b.String(), "waiting for a resource") {
			t.Errorf("%s still says waiting for a resource", name)
		}
	}
	for _, w := range []string{`"name":"waiting for db"`, `"name":"waiting for cache"`} {
		if !strings.Contains(trace.String(), w) {
			t.Errorf("trace lacks %s", w)
		}
	}
	// Without resources the words stay general.
	if got := resourceWords(nil); got != "waiting for a resource (pool, lock)" {
		t.Errorf("resourceWords(nil) = %q", got)
	}
}

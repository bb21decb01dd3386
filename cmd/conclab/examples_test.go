package main

import (
	"strings"
	"testing"

	"github.com/conclab/conclab/examples"
)

func TestExamples(t *testing.T) {
	r := conclab(t, nil, "examples")
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	checkLines(t, r.stdout, 100)
	list := examples.List()
	if len(list) == 0 {
		t.Fatal("no examples")
	}
	lines := strings.Split(r.stdout, "\n")
	if !strings.HasPrefix(lines[0], "seed-io ") {
		t.Errorf("first line %q, want the seed's first case", lines[0])
	}
	for _, ex := range list {
		if !strings.Contains(r.stdout, ex.Name+" ") {
			t.Errorf("examples does not list %s", ex.Name)
		}
		// Every example prints its YAML and runs by name.
		y := conclab(t, nil, "examples", ex.Name)
		want, _ := examples.Lookup(ex.Name)
		if y.code != exitOK || y.stdout != string(want) {
			t.Errorf("examples %s: exit %d, stderr %q", ex.Name, y.code, y.stderr)
		}
		// It runs, or shows a deadlock under one of its models, the lesson
		// of lock-order: exit status 1 with the results written.
		run := conclab(t, nil, "run", ex.Name, "--format", "json", "--no-tasks")
		if want := exitOK; run.code != want && !(ex.Name == "lock-order" && run.code == 1 && strings.Contains(run.stdout, `"deadlock"`)) {
			t.Errorf("run %s: exit %d, stderr %q", ex.Name, run.code, run.stderr)
		}
	}
}

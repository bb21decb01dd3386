package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conclab/conclab/runtime"
)

// TestRuntimesCommand: the list names every built-in profile once (the
// aliases in words), with the command that proves it; NAME prints a
// profile that --profile reads back as the same.
func TestRuntimesCommand(t *testing.T) {
	r := conclab(t, nil, "runtimes")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, name := range runtime.Names() {
		if a := runtime.AliasOf(name); a != "" {
			if !strings.Contains(r.stdout, name+" is "+a) {
				t.Errorf("the list does not say %s is %s", name, a)
			}
			continue
		}
		if !strings.Contains(r.stdout, "\n"+name+" ") {
			t.Errorf("no row for %s:\n%s", name, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "cpython-3.13t  conclab verify --suite --python \"$(scripts/build-python-ft)\"") {
		t.Errorf("the proof of cpython-3.13t is not listed:\n%s", r.stdout)
	}
	checkLines(t, r.stdout, 100)

	j := conclab(t, nil, "runtimes", "--format", "json")
	var doc struct {
		Runtimes []struct {
			Name     string
			Slowdown float64
			GIL      bool
		}
	}
	if err := json.Unmarshal([]byte(j.stdout), &doc); err != nil || len(doc.Runtimes) != len(runtime.Names()) {
		t.Fatalf("json: %v, %d runtimes:\n%s", err, len(doc.Runtimes), j.stdout)
	}

	y := conclab(t, nil, "runtimes", "cpython-3.12")
	path := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(path, []byte(y.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := runtime.Load(path)
	want, _ := runtime.Builtin("cpython-3.12")
	if err != nil || p.ThreadStart != want.ThreadStart || p.Python != "3.12" || !strings.HasPrefix(p.Verify, "conclab verify") {
		t.Errorf("runtimes cpython-3.12 read back: %v, %+v", err, p)
	}
	if bad := conclab(t, nil, "runtimes", "pypy"); bad.code != exitUsage || !strings.Contains(bad.stderr, `unknown runtime "pypy"`) {
		t.Errorf("runtimes pypy: exit %d, %q", bad.code, bad.stderr)
	}
}

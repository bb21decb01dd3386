package main

import (
	"runtime"
	"strings"
	"testing"

	"github.com/conclab/conclab/internal/version"
)

// TestVersion: --version and the version command print conclab's version
// (the one the JSON documents carry) and the Go version, on one line.
func TestVersion(t *testing.T) {
	want := "conclab " + version.String() + " (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := conclab(t, nil, args...)
		if r.code != exitOK || r.stderr != "" || r.stdout != want {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want %q", args, r.code, r.stderr, r.stdout, want)
		}
	}
	if r := conclab(t, nil, "version", "extra"); r.code != exitUsage {
		t.Errorf("version extra: exit %d, want %d", r.code, exitUsage)
	}
	if r := conclab(t, nil, "--help"); !strings.Contains(r.stdout, "  version ") {
		t.Errorf("conclab --help does not list version:\n%s", r.stdout)
	}
}

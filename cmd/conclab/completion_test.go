package main

import (
	"strings"
	"testing"

	"github.com/conclab/conclab/model"
)

// TestCompletion: the completion command writes each shell's script, and
// the completions it asks for name the built-in examples, models that
// parse, and the runtimes.
func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := conclab(t, nil, "completion", shell)
		if r.code != exitOK || r.stderr != "" || !strings.Contains(r.stdout, "conclab") {
			t.Errorf("completion %s: exit %d, stderr %q, stdout %.80q", shell, r.code, r.stderr, r.stdout)
		}
	}
	// complete runs cobra's hidden __complete command as a shell script
	// does and returns the candidates, without the directive line.
	complete := func(args ...string) []string {
		t.Helper()
		r := conclab(t, nil, append([]string{"__complete"}, args...)...)
		if r.code != exitOK {
			t.Fatalf("__complete %q: exit %d, stderr %q", args, r.code, r.stderr)
		}
		var out []string
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if !strings.HasPrefix(line, ":") {
				out = append(out, strings.SplitN(line, "\t", 2)[0])
			}
		}
		return out
	}
	has := func(got []string, want string) bool {
		for _, g := range got {
			if g == want {
				return true
			}
		}
		return false
	}
	for _, cmd := range []string{"run", "explain", "sweep", "advise", "export", "verify", "examples"} {
		if got := complete(cmd, "seed-"); !has(got, "seed-io") || !has(got, "seed-cpu") {
			t.Errorf("%s seed-<TAB>: %q, want the seed examples", cmd, got)
		}
	}
	if got := complete("run", "seed-io", ""); has(got, "seed-io") {
		t.Errorf("run seed-io <TAB> offers a second workload: %q", got)
	}
	models := complete("run", "-m", "")
	for _, want := range []string{"sync", "asyncio", "threads(8)", "processes(4)"} {
		if !has(models, want) {
			t.Errorf("run -m <TAB>: %q, want %s", models, want)
		}
	}
	for _, m := range models {
		if _, err := model.Parse(m); err != nil {
			t.Errorf("run -m <TAB> offers %q, which does not parse: %v", m, err)
		}
	}
	if got := complete("explain", "-m", "th"); len(got) == 0 || !strings.HasPrefix(got[0], "threads") {
		t.Errorf("explain -m th<TAB>: %q, want threads models", got)
	}
	for _, cmd := range []string{"run", "explain", "sweep", "advise"} {
		if got := complete(cmd, "--runtime", ""); !has(got, "cpython") || !has(got, "cpython-ft") {
			t.Errorf("%s --runtime <TAB>: %q, want the runtimes", cmd, got)
		}
	}
}

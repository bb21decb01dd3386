package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Strings from the workload and from the command line reach the terminal
// made safe: escape sequences, C1 controls and bidi overrides show as
// escapes, in the text report, explain and the error line.
func TestPrintedStringsAreSafe(t *testing.T) {
	dir := t.TempDir()
	wl := filepath.Join(dir, "w.yaml")
	yaml := `about: "red \e[31m csi \u009b2J rtl \u202Eevil\u202C isolate \u2066x\u2069 end"` + "\n" +
		"tasks:\n  - count: 2\n    steps:\n      - wait: 10ms\n"
	if err := os.WriteFile(wl, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad\x1b[2J\u202e.yaml")
	unsafeRunes := "\x1b\u009b\u202e\u202c\u2066\u2069"
	tests := []struct {
		name string
		args []string
		out  string // on stdout, or "" to look at stderr
		err  string
	}{
		{"run about", []string{"run", wl, "-m", "sync"}, `red \x1b[31m csi \u009b2J rtl \u202eevil\u202c isolate \u2066x\u2069 end`, ""},
		{"error line", []string{"run", bad}, "", `bad\x1b[2J\u202e.yaml: no such file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := conclab(t, nil, tt.args...)
			if strings.ContainsAny(r.stdout+r.stderr, unsafeRunes) {
				t.Errorf("output holds a control or bidi character:\n%q\n%q", r.stdout, r.stderr)
			}
			if tt.out != "" && !strings.Contains(r.stdout, tt.out) {
				t.Errorf("stdout lacks %q:\n%s", tt.out, r.stdout)
			}
			if tt.err != "" && !strings.Contains(r.stderr, tt.err) {
				t.Errorf("stderr lacks %q: %s", tt.err, r.stderr)
			}
		})
	}
}

// A description of one 1 MB word is wrapped in about as long as reading it
// (it took 29 s).
func TestRunWrapsLongAbout(t *testing.T) {
	dir := t.TempDir()
	wl := filepath.Join(dir, "w.yaml")
	word := strings.Repeat("é", 1<<19) // 1 MB
	yaml := "about: " + word + "\ntasks:\n  - steps:\n      - wait: 1ms\n"
	if err := os.WriteFile(wl, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	r := conclab(t, nil, "run", wl, "-m", "sync")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	checkLines(t, r.stdout, 100)
	if n := strings.Count(r.stdout, strings.Repeat("é", 100)+"\n"); n != (1<<19)/100 {
		t.Errorf("%d full lines of the word, want %d", n, (1<<19)/100)
	}
}

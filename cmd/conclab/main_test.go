package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/conclab/conclab/sim"
	"github.com/spf13/cobra"
)

// result is what one in-process run of conclab produced.
type result struct {
	code           int
	stdout, stderr string
}

// conclab runs the command in-process with args, an empty standard input
// and an environment holding only env ("KEY=value").
func conclab(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return conclabStdin(t, "", env, args...)
}

func conclabStdin(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	var out, errOut bytes.Buffer
	code := execute(context.Background(), args, strings.NewReader(stdin), &out, &errOut,
		func(k string) string { return vars[k] })
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// checkLines fails when a line of text is wider than width runes or holds
// an escape character.
func checkLines(t *testing.T, text string, width int) {
	t.Helper()
	if strings.ContainsRune(text, '\x1b') {
		t.Errorf("output holds ESC bytes")
	}
	for i, line := range strings.Split(text, "\n") {
		if n := utf8.RuneCountInString(line); n > width {
			t.Errorf("line %d is %d runes wide (max %d): %q", i+1, n, width, line)
		}
	}
}

func TestErrorLine(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `conclab: unknown command "bogus" for "conclab"`},
		{[]string{"run", "-e", "3 x [wat 2s]"}, `-e:1:6: unknown step kind "wat", did you mean "wait"? (want work, wait, repeat, use, gather or choose)`},
		{[]string{"demo", "extra"}, `conclab: unknown command "extra" for "conclab demo"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := conclab(t, nil, tt.args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d", r.code, exitUsage)
			}
			if got := strings.TrimSuffix(r.stderr, "\n"); got != tt.want {
				t.Errorf("stderr %q, want %q", got, tt.want)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"demo", "--help"}, {"examples", "--help"}} {
		r := conclab(t, nil, args...)
		if r.code != exitOK || r.stderr != "" || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%v: exit %d, stderr %q, stdout %.80q", args, r.code, r.stderr, r.stdout)
		}
	}
	r := conclab(t, nil, "--help")
	for _, cmd := range []string{"run", "demo", "examples"} {
		if !strings.Contains(r.stdout, "  "+cmd+" ") {
			t.Errorf("conclab --help does not list %s:\n%s", cmd, r.stdout)
		}
	}
	if r := conclab(t, nil, "run", "--help"); !strings.Contains(r.stdout, "3 x [wait 2s]") {
		t.Errorf("run --help does not describe the inline form")
	}
}

// TestInternalError: a bug in conclab (a panic, or an engine rule broken)
// reaches the user as one line with its own exit status; the Go stack only
// with CONCLAB_DEBUG.
func TestInternalError(t *testing.T) {
	boom := &cobra.Command{Use: "boom", RunE: func(*cobra.Command, []string) error { panic("a rule broke") }}
	boom.SetArgs(nil)
	err := executeRecovering(context.Background(), boom)
	var ie *sim.InternalError
	if !errors.As(err, &ie) || !strings.Contains(string(ie.Stack), "TestInternalError") {
		t.Fatalf("executeRecovering gave %v, want an *sim.InternalError with the stack", err)
	}
	for _, debug := range []bool{false, true} {
		var stderr bytes.Buffer
		env := func(k string) string {
			if debug && k == debugEnv {
				return "1"
			}
			return ""
		}
		if code := exitStatus(fmt.Errorf("seed under sync: %w", err), &stderr, env); code != exitInternal {
			t.Errorf("exit status %d, want %d", code, exitInternal)
		}
		first, rest, _ := strings.Cut(stderr.String(), "\n")
		want := "conclab: internal error: a rule broke; this is a bug in conclab, please report it with the command that caused it (CONCLAB_DEBUG=1 adds the Go stack)"
		if first != want {
			t.Errorf("stderr's first line:\n%s\nwant\n%s", first, want)
		}
		if hasStack := strings.Contains(rest, "goroutine"); hasStack != debug {
			t.Errorf("with debug %v the stack is shown: %v\n%s", debug, hasStack, rest)
		}
	}
}

// TestZeroLengthTasksRun: tasks that take no time used to crash the engine
// (a Go stack, exit 2) under every command that simulates.
func TestZeroLengthTasksRun(t *testing.T) {
	for _, args := range [][]string{
		{"run", "-e", "2 x [wait 0s]", "-m", "sync"},
		{"run", "-e", "100 x [work normal(2ms, 1ms)]"},
		{"explain", "-e", "2 x [wait 0s]", "-m", "sync"},
		{"advise", "-e", "20 x [work normal(2ms, 1ms), wait 0s]"},
		{"sweep", "-e", "2 x [wait 0s]", "-m", "threads(1..3)"},
	} {
		r := conclab(t, nil, args...)
		if r.code != exitOK {
			t.Errorf("conclab %q: exit %d\n%s", args, r.code, r.stderr)
		}
	}
}

// TestHelpExamplesHeading: every command's help has one "Examples:"
// heading (cobra writes it from Example; a second one in Long would
// confuse), and every command but version and help has examples.
func TestHelpExamplesHeading(t *testing.T) {
	root := newRootCmd(&streams{env: func(string) string { return "" }})
	cmds := append([]*cobra.Command{root}, root.Commands()...)
	for _, c := range cmds {
		if c.Hidden || c.Name() == "help" || c.Name() == "version" {
			continue
		}
		args := []string{"--help"}
		if c != root {
			args = []string{c.Name(), "--help"}
		}
		r := conclab(t, nil, args...)
		n := 0
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.EqualFold(strings.TrimSpace(line), "examples:") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("conclab %s: %d \"Examples:\" headings, want 1", strings.Join(args, " "), n)
		}
	}
}

// TestRunHelpColumns: run --help says what each column of the table means,
// with the three that are easy to misread (a sum, a share, a maximum).
func TestRunHelpColumns(t *testing.T) {
	help := conclab(t, nil, "run", "--help").stdout
	table := conclab(t, []string{"COLUMNS=200"}, "run", "-e", "3 x [wait 2s]", "-m", "sync").stdout
	heads := strings.Fields(strings.NewReplacer("lat p", "lat_p", "GIL ", "GIL_").Replace(strings.Split(table, "\n")[2]))
	if len(heads) < 10 || heads[0] != "model" {
		t.Fatalf("the table's heading is not where it was looked for: %q", heads)
	}
	for _, h := range heads[1:] {
		h = strings.ReplaceAll(h, "_", " ")
		if !strings.Contains(help, "\n  "+h+" ") {
			t.Errorf("run --help does not explain the column %q", h)
		}
	}
	for _, want := range []string{"summed over threads", "share of all the cores", "the longest"} {
		if !strings.Contains(help, want) {
			t.Errorf("run --help does not say %q", want)
		}
	}
}

// buildConclab builds this command into a temporary directory.
func buildConclab(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "conclab")
	// go test puts its own go first on the PATH of the tests it runs.
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"
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
		{[]string{"run", "-e", "3 x [wat 2s]"}, `-e:1:6: unknown step kind "wat" (want work, wait or repeat)`},
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

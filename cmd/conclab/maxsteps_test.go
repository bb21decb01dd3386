package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// Every command that simulates refuses a workload above --max-steps before
// anything runs, with exit status 2 and one line naming the estimate and
// the flag.
func TestMaxStepsRefused(t *testing.T) {
	const huge = "1000 x [repeat 1000000000 [work 1ns]]"
	const msg = "conclab: workload inline needs about 1,000,000,000,000 simulation steps per model (at most 300,000,000 by default; raise with --max-steps)\n"
	tests := []struct {
		name string
		args []string
		want string
	}{
		// The default models include threads(N): 1,000 × 10⁹ ns of work in
		// 5 ms switch intervals adds 200,000 GIL hand-overs.
		{"run", []string{"run", "-e", huge}, strings.Replace(msg, "1,000,000,000,000", "1,000,000,200,000", 1)},
		{"run json", []string{"run", "-e", huge, "--format", "json", "-m", "sync"}, msg},
		{"explain", []string{"explain", "-e", "1 x [repeat 1000000000 [work 1ns]]", "-m", "sync"},
			"conclab: workload inline needs about 1,000,000,000 simulation steps per model (at most 300,000,000 by default; raise with --max-steps)\n"},
		{"sweep", []string{"sweep", "-e", huge, "-m", "threads(1..4)"}, msg},
		{"advise", []string{"advise", "-e", huge}, msg},
		{"verify", []string{"verify", "-e", huge, "-m", "sync", "--python", "no-such-python"}, msg},
		{"the flag lowers it", []string{"run", "-e", "3 x [work 1ms, wait 1ms]", "--max-steps", "5"},
			"conclab: workload inline needs about 6 simulation steps per model (at most 5, as --max-steps says)\n"},
		{"zero", []string{"run", "-e", "1 x [work 1ms]", "--max-steps", "0"},
			"conclab: --max-steps 0: want a whole number of 1 or more\n"},
		{"verify zero", []string{"verify", "-e", "1 x [work 1ms]", "--max-steps", "-1"},
			"conclab: --max-steps -1: want a whole number of 1 or more\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := conclab(t, nil, tt.args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d", r.code, exitUsage)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			if r.stderr != tt.want {
				t.Errorf("stderr\n%q, want\n%q", r.stderr, tt.want)
			}
		})
	}
}

// A rate sweep is checked at each rate: its highest needs the most steps.
func TestMaxStepsRateSweep(t *testing.T) {
	const open = "name: open\narrivals: {rate: 10/s, for: 10s}\ntasks: [{steps: [{work: 1ms}, {wait: 1ms}]}]\n"
	r := conclabStdin(t, open, nil, "sweep", "-", "-m", "sync", "--rate", "10..100/s", "--steps", "2", "--max-steps", "1000")
	const want = "conclab: --rate 100/s: workload open needs about 2,000 simulation steps per model (at most 1,000, as --max-steps says)\n"
	if r.code != exitUsage || r.stderr != want {
		t.Errorf("exit %d, stderr\n%q, want %d and\n%q", r.code, r.stderr, exitUsage, want)
	}
}

// --max-steps moves the limit both ways: a workload of 300 steps is
// refused at 299 and runs at 300, under every command that simulates.
func TestMaxStepsRaised(t *testing.T) {
	const small = "3 x [repeat 100 [work 1us]]"
	for _, cmd := range [][]string{
		{"run", "-e", small, "-m", "sync", "--format", "json"},
		{"explain", "-e", small, "-m", "sync"},
		{"sweep", "-e", small, "-m", "threads(1..2)"},
		{"advise", "-e", small},
	} {
		if r := conclab(t, nil, append(cmd, "--max-steps", "299")...); r.code != exitUsage || !strings.Contains(r.stderr, "about 300 simulation steps") {
			t.Errorf("%v --max-steps 299: exit %d, stderr %q", cmd, r.code, r.stderr)
		}
		if r := conclab(t, nil, append(cmd, "--max-steps", "300")...); r.code != exitOK {
			t.Errorf("%v --max-steps 300: exit %d, stderr %q", cmd, r.code, r.stderr)
		}
	}
}

// The progress line goes by the steps, not the tasks: one task of many
// steps shows it too.
func TestMaxStepsProgress(t *testing.T) {
	// On a terminal, from a million estimated steps, the line says the
	// tasks done and the virtual time reached.
	var stderr bytes.Buffer
	s := &streams{in: strings.NewReader(""), out: io.Discard, err: &stderr, env: func(string) string { return "" }, errTTY: true}
	root := newRootCmd(s)
	root.SetArgs([]string{"run", "-e", "1 x [repeat 1000000 [work 1ns]]", "-m", "sync", "--format", "json", "--no-tasks"})
	root.SetOut(io.Discard)
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := stderr.String(); !strings.HasSuffix(got, "\rrun sync: 1/1 tasks, 0s simulated\n") {
		t.Errorf("stderr %q, want the progress line", got)
	}
	// Below a million steps, and whenever stderr is not a terminal, none.
	r := conclab(t, nil, "run", "-e", "1 x [repeat 999999 [work 1ns]]", "-m", "sync", "--format", "json", "--no-tasks")
	if r.code != exitOK || r.stderr != "" {
		t.Errorf("below a million steps: exit %d, stderr %q, want no progress line", r.code, r.stderr)
	}
	r = conclab(t, nil, "run", "-e", "1 x [repeat 1000000 [work 1ns]]", "-m", "sync", "--format", "json", "--no-tasks")
	if r.code != exitOK || r.stderr != "" {
		t.Errorf("stderr not a terminal: exit %d, stderr %q, want no progress line", r.code, r.stderr)
	}
}

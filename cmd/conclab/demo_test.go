package main

import (
	"regexp"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	r := conclab(t, []string{"NO_COLOR=1"}, "demo")
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	out := r.stdout
	checkLines(t, out, 100)
	if n := strings.Count(out, "\n"); n > 250 {
		t.Errorf("demo is %d lines, want at most 250", n)
	}
	for _, title := range []string{
		"1. Waiting: sync, threads and asyncio",
		"2. The blocking call inside async def",
		"3. Computing: the GIL, processes and free-threaded Python",
		"4. The convoy: the GIL does hurt I/O",
		"5. Memory: a thousand threads, ten thousand coroutines",
		"6. Shapes of real programs: pools, gathers, branches, locks, pickled data",
		"7. Java threads against Python threads",
	} {
		if !strings.Contains(out, title) {
			t.Errorf("no chapter %q", title)
		}
	}

	// The lessons carry the numbers of their runs.
	lessons := lessonsOf(out)
	if len(lessons) != 12 {
		t.Fatalf("%d lessons, want 6 and one per shape:\n%s", len(lessons), strings.Join(lessons, "\n"))
	}
	tests := []struct {
		chapter int
		want    []string // regular expressions
	}{
		{1, []string{`^→ sync took 6\.00\d s, 3\.0× the 2\.00\d s of threads\(3\) and asyncio: while one task waits`}},
		{2, []string{`^→ asyncio took 6\.00\d s, as slow as sync \(6\.00\d s\) and 3\.0× threads\(3\)`,
			`stalled the loop for 2\.00\d s \(3 slow callbacks\)`}},
		{3, []string{`^→ threads\(2\) took 2\.00\d s, no faster than sync \(1\.00×\), with [1-9][0-9]{2} GIL hand-overs`,
			`processes\(2\) took 1\.\d{3} s \((1\.[89]|2\.0)× faster than sync`,
			`on cpython-3\.13t threads\(2\) took 2\.\d{3} s, in parallel but with Python code 2\.\d\d× slower \(measured here`,
			`on cpython-3\.14t threads\(2\) took 1\.1\d\d s`}},
		{4, []string{`alone, the I/O thread finishes at 1\d\d ms; beside the CPU thread at 1\.\d{3} s, \d+\.\d× later`,
			`With switch_interval 1ms it finishes at [23]\d\d ms`}},
		{5, []string{`threads\(1000\) took 10\.\d{3} s with 1,000 threads`, `GiB reserved`,
			`asyncio took 1\.\d{3} s with 10,000 tasks in flight`}},
		// The shapes, one lesson each.
		{6, []string{`^→ db-pool: with threads\(8\), p99 is \d+ ms; with threads\(40\) it is \d+ ms, but requests waited 1\.\d{3} s in all for one of the 10 connections \(up to \d+ at once\); processes\(2\)\*threads\(20\), a pool in each process, waits (0 s|\d+ ms \(p99 \d+ ms\))`}},
		{7, []string{`^→ fanout: under asyncio a request takes \d+(\.\d)? ms \(p50\), about as long as its slowest call; threads\(32, fanout=96\) matches it`, `sync makes the three calls one after another and falls behind`}},
		{8, []string{`^→ crawler: one event loop crawls the tree in \d+ ms, \d+\.\d× faster than sync`, `threads\(4\), whose crawls submit their links to the pool they run on, deadlocks at \d+ ms`}},
		{9, []string{`^→ cache: the misses queue for the one connection \([\d.]+ s of waiting under threads\(4\)\) and set p99 at \d+ ms`}},
		{10, []string{`^→ lock-order: threads\(2\) deadlocks at 1\d\.\d ms \(transfer-a holds accounts, worker-1 and waits for ledger; transfer-b holds ledger, worker-2 and waits for accounts\); sync finishes`}},
		// Java against Python: chapter 7, after the six shapes.
		{12, []string{`^→ two Java threads computing took 1\.00\d s, 2\.0× faster than two Python threads \(2\.00\d s\): the JVM runs them on both cores`,
			`In the convoy the I/O thread finishes at 1\d\d ms in Java and 1\.\d{3} s in Python, which spends 1\.\d{3} s of it waiting for the GIL`,
			`A thousand threads: Java's keep \d+(\.\d)? MiB resident \(≈ \d+(\.\d)? KiB each\)`}},
		{11, []string{`^→ big-args: processes\(2\) takes [\d.]+ s, [\d.]+× threads\(2\)'s \d+ ms: pickling each 50 MB frame`}},
	}
	for _, tt := range tests {
		for _, re := range tt.want {
			if !regexp.MustCompile(re).MatchString(lessons[tt.chapter-1]) {
				t.Errorf("chapter %d lesson does not match %q:\n%s", tt.chapter, re, lessons[tt.chapter-1])
			}
		}
	}

	// The demo is deterministic.
	if again := conclab(t, []string{"NO_COLOR=1"}, "demo"); again.stdout != out {
		t.Errorf("a second demo differs from the first")
	}
}

// lessonsOf returns each lesson of the demo's text, its wrapped lines
// joined.
func lessonsOf(out string) []string {
	var lessons []string
	in := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "→ "):
			lessons = append(lessons, line)
			in = true
		case in && line != "":
			lessons[len(lessons)-1] += " " + line
		default:
			in = false
		}
	}
	return lessons
}

//go:build linux

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/testtool"
)

// TestHostileInputs runs the built conclab, as a user would, on the inputs
// an audit found hostile or at the edge (issue 8): each must end with the
// exit status given, the message on stderr, and a peak resident memory of
// the process under its bound. None may crash or run away.
func TestHostileInputs(t *testing.T) {
	testtool.Heavy(t) // hours of simulated work: not beside a wall-time test
	dir := t.TempDir()
	bin := buildConclab(t)
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := write("ok.yaml", "tasks: [{count: 2, steps: [{wait: 1ms}]}]\n")
	brackets := write("brackets.yaml", "tasks: "+strings.Repeat("[", 20_000)+"\n")
	brackets100k := write("brackets100k.yaml", "tasks: "+strings.Repeat("[", 100_000)+"\n")
	var block strings.Builder
	block.WriteString("tasks:\n")
	for i := 0; i < 2000; i++ {
		block.WriteString(strings.Repeat("  ", i) + "- \n")
	}
	blocks := write("blocks.yaml", block.String())
	tinyRate := write("tinyrate.yaml", "arrivals: {rate: 1e-300/s, count: 3}\ntasks: [{steps: [{wait: 1ms}]}]\n")
	slowRate := write("slowrate.yaml", "arrivals: {rate: 0.1/min, count: 100000000}\ntasks: [{steps: [{wait: 1ms}]}]\n")
	escapes := write("escapes.yaml", "name: esc\nabout: \"red \\e[31mALERT\\e[0m \\e]0;owned\\a bidi \\u202e txt\"\ntasks: [{steps: [{wait: 1ms}]}]\n")
	longWord := write("longword.yaml", "about: "+strings.Repeat("x", 1<<20)+"\ntasks: [{steps: [{wait: 1ms}]}]\n")
	weights := write("weights.yaml", "arrivals: {rate: 10/s, count: 10}\ntasks: [{weight: 1.7e308, steps: [{wait: 1ms}]}, {name: b, weight: 1.7e308, steps: [{wait: 1ms}]}]\n")
	models := write("models.yaml", "tasks: [{steps: [{wait: 1ms}]}]\nmodels: ["+strings.TrimSuffix(strings.Repeat("sync, ", 10_000), ", ")+"]\n")
	bigStdin := strings.Repeat("#", 9<<20)
	wide := write("wide.yaml", "tasks: ["+strings.Repeat("1,", 4<<20-8)+"1]\n")
	keys := write("keys.yaml", "tasks: [{"+strings.Repeat("a: 1, ", 20_000)+"b: 1}]\n")

	const mib = 1 << 20
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		msg    string // a part of stderr; "" for none at all
		maxRSS int64  // bytes
	}{
		{"zero-length tasks under sync", []string{"run", "-e", "2 x [wait 0s]", "-m", "sync"}, "", 0, "", 100 * mib},
		{"a clamped normal draws zero", []string{"run", "-e", "100 x [work normal(2ms, 1ms)]"}, "", 0, "", 100 * mib},
		{"zero-length tasks explained", []string{"explain", "-e", "2 x [wait 0s]", "-m", "sync"}, "", 0, "", 100 * mib},
		{"20 KB of brackets", []string{"run", brackets}, "", 2, "brackets.yaml:1:", 100 * mib},
		{"100 KB of brackets", []string{"run", brackets100k}, "", 2, "brackets100k.yaml:1:", 100 * mib},
		{"8 MiB of flat list entries", []string{"run", wide}, "", 2, "wide.yaml:1:", 100 * mib},
		{"20,000 keys in one mapping", []string{"run", keys}, "", 2, "keys.yaml:1:", 100 * mib},
		{"2000 levels of block nesting", []string{"run", blocks}, "", 2, "blocks.yaml:", 100 * mib},
		{"a tiny rate with a count", []string{"run", tinyRate}, "", 2, "tinyrate.yaml:1:", 100 * mib},
		{"a slow rate with a large count", []string{"run", slowRate}, "", 2, "slowrate.yaml:1:", 100 * mib},
		{"ten hours of work drawn as text", []string{"run", "-e", "cores=2; 2 x [work 10h]", "-m", "threads(2)"}, "", 0, "", 500 * mib},
		{"a hundred hours of work drawn as text", []string{"run", "-e", "cores=2; 2 x [work 100h]", "-m", "threads(2)"}, "", 0, "", 500 * mib},
		{"a billion repeats per task", []string{"run", "-e", "1000 x [repeat 1000000000 [work 1ns]]"}, "", 2, "--max-steps", 100 * mib},
		{"a gather of a billion branches", []string{"run", "-e", "[gather [1000000000 x [wait 1s]]]"}, "", 2, "-e:1:10: a branch count must be", 100 * mib},
		{"gathers that multiply past the task limit", []string{"run", "-e", "20 x [gather [10000 x [gather [1000 x [wait 1s]]]]]"}, "", 2, "too many tasks", 100 * mib},
		{"a gather of fifty million branches of five steps", []string{"run", "-e", "[gather [50000000 x [wait 1s, wait 1s, wait 1s, wait 1s, wait 1s]]]"}, "", 2, "--max-steps", 100 * mib},
		{"the output file is the workload", []string{"run", ok, "-o", ok}, "", 2, "ok.yaml", 100 * mib},
		{"escape sequences in about", []string{"run", escapes, "-m", "sync"}, "", 0, "", 100 * mib},
		{"a 1 MB word in about", []string{"run", longWord, "-m", "sync"}, "", 0, "", 500 * mib},
		{"a duration past the limit", []string{"run", "-e", "[work 99999999999h]"}, "", 2, "too long", 100 * mib},
		{"standard input over the limit", []string{"run", "-"}, bigStdin, 2, "8 MiB", 200 * mib},
		{"repeated modifiers inline", []string{"run", "-e", "3 x [wait 1ms] every 1ms every 2ms"}, "", 2, "-e:1:", 100 * mib},
		{"weights that overflow", []string{"run", weights}, "", 2, "weights.yaml:", 100 * mib},
		{"ten thousand models", []string{"run", models}, "", 2, "models.yaml:", 100 * mib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, tt.args...)
			cmd.Dir = dir
			cmd.Stdin = strings.NewReader(tt.stdin)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("still running after 2 minutes")
			}
			code := 0
			if err != nil {
				ee, isExit := err.(*exec.ExitError)
				if !isExit {
					t.Fatal(err)
				}
				code = ee.ExitCode()
			}
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstderr: %.400s", code, tt.code, stderr.String())
			}
			if tt.msg == "" && stderr.Len() > 0 && code == 0 {
				if strings.Contains(stderr.String(), "panic") || strings.Contains(stderr.String(), "goroutine ") {
					t.Errorf("stderr: %.400s", stderr.String())
				}
			}
			if tt.msg != "" && !strings.Contains(stderr.String(), tt.msg) {
				t.Errorf("stderr %.400q, want it to hold %q", stderr.String(), tt.msg)
			}
			if code != 0 && strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("stderr is not one line: %.400q", stderr.String())
			}
			if code == 2 && stdout.Len() > 0 {
				t.Errorf("bad input, yet stdout has %d bytes", stdout.Len())
			}
			if bytes.ContainsRune(stdout.Bytes(), '\x1b') || bytes.ContainsRune(stderr.Bytes(), '\x1b') {
				t.Errorf("an escape character reached the terminal")
			}
			if bytes.Contains(stdout.Bytes(), []byte("\u202e")) {
				t.Errorf("a bidi override reached the terminal")
			}
			rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024 // Linux gives KiB
			if rss > tt.maxRSS {
				t.Errorf("peak resident memory %d MiB, want under %d MiB", rss>>20, tt.maxRSS>>20)
			}
			t.Logf("exit %d, peak RSS %d MiB", code, rss>>20)
		})
	}
}

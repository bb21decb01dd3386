// The tests that run fake interpreters: calibrate runs on Linux only.

//go:build linux

package runtime

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/testtool"
)

// fakePython writes an executable shell script standing in for python.
func fakePython(t *testing.T, body string) string {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		testtool.Missing(t, "no sh on PATH: the fake interpreters are shell scripts")
	}
	path := filepath.Join(t.TempDir(), "python")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCalibrateFake(t *testing.T) {
	// A stand-in interpreter that prints progress, a warning and a
	// document, as measure.py does.
	doc := `{"python": "3.11.7", "runs": 1, "results": {`
	for i, c := range constants {
		if i > 0 {
			doc += ","
		}
		doc += `"` + c.field + `": {"median": 7, "min": 7, "max": 7, "n": 1}`
	}
	doc += "}}"
	py := fakePython(t, `
echo "measure: 1/2 ThreadStart run 1/1 = 7.0 ns" >&2
echo "a warning" >&2
echo "measure: 2/2 ThreadRSS run 1/1 = 7.0 B" >&2
cat <<'EOF'
`+doc+`
EOF`)
	var seen []Progress
	var log strings.Builder
	m, err := Calibrate(context.Background(), CalibrateOptions{
		Python: py, Runs: 1, Quick: true,
		Progress: func(p Progress) { seen = append(seen, p) },
		Log:      &log,
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Results["ProcessVirtual"].Median != 7 {
		t.Errorf("results = %+v", m.Results)
	}
	if len(seen) != 2 || seen[0].Name != "ThreadStart" || !seen[1].Size {
		t.Errorf("progress = %+v, want ThreadStart then ThreadRSS", seen)
	}
	if log.String() != "a warning\n" {
		t.Errorf("log = %q, want the warning alone", log.String())
	}

	py = fakePython(t, `echo "measure: 1/2 ThreadStart run 1/1 = 7.0 ns" >&2; echo "Traceback" >&2; echo "OSError: nope" >&2; exit 1`)
	_, err = Calibrate(context.Background(), CalibrateOptions{Python: py})
	if err == nil || !strings.Contains(err.Error(), "measure.py failed (exit status 1): OSError: nope") {
		t.Errorf("err = %v, want measure.py's last line", err)
	}
}

// TestCalibrateCancelKillsGroup cancels a run whose interpreter has
// children, and checks none of them survives.
func TestCalibrateCancelKillsGroup(t *testing.T) {
	py := fakePython(t, `
sleep 60 &
sleep 60 &
echo "measure: 1/2 ThreadStart run 1/1 = 7.0 ns" >&2
wait`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pgid := 0
	_, err := calibrate(ctx, CalibrateOptions{
		Python:   py,
		Progress: func(Progress) { cancel() },
	}, func(pid int) { pgid = pid })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if pgid == 0 {
		t.Fatal("the interpreter never started")
	}
	// Killed processes vanish (or turn zombie) at once; allow the kernel a
	// moment to deliver the signal to every member.
	deadline := time.Now().Add(5 * time.Second)
	for {
		alive := liveInGroup(t, pgid)
		if len(alive) == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, pid := range alive {
				syscall.Kill(pid, syscall.SIGKILL) // ours: clean up before failing
			}
			t.Fatalf("processes %v of group %d outlived the cancel", alive, pgid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCalibrateTimeout(t *testing.T) {
	py := fakePython(t, `sleep 60`)
	_, err := Calibrate(context.Background(), CalibrateOptions{Python: py, Timeout: 100 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "took longer than 100ms") {
		t.Errorf("err = %v, want a timeout", err)
	}
}

// liveInGroup lists the processes of group pgid that are not zombies.
func liveInGroup(t *testing.T, pgid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("reading /proc: %v", err)
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+2:])
		f := strings.Fields(rest)
		if len(f) < 3 || f[0] == "Z" {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g == pgid {
			out = append(out, pid)
		}
	}
	return out
}

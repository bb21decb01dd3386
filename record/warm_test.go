package record

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
)

// A loop that cannot start (a system that refuses SCHED_IDLE) stops the
// recording before the program runs, saying what the interpreter said.
func TestWarmCoresSaysWhyALoopFailed(t *testing.T) {
	if goruntime.GOOS != "linux" {
		t.Skip("SCHED_IDLE is Linux's")
	}
	py := filepath.Join(t.TempDir(), "python")
	script := "#!/bin/sh\necho 'Traceback (most recent call last):' >&2\necho 'PermissionError: [Errno 1] Operation not permitted' >&2\nexit 1\n"
	if err := os.WriteFile(py, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	prog := filepath.Join(t.TempDir(), "prog.py")
	if err := os.WriteFile(prog, []byte("open(__file__ + '.ran', 'w').close()\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := Run(context.Background(), RunOptions{Python: py, Program: []string{prog}, WarmCores: true})
	if err == nil || !strings.Contains(err.Error(), "--warm-cores: the loop for CPU 0 did not start: PermissionError: [Errno 1] Operation not permitted") {
		t.Errorf("err = %v, want the loop's PermissionError", err)
	}
	if _, err := os.Stat(prog + ".ran"); err == nil {
		t.Error("the program ran although the loops did not start")
	}
}

// With WarmCores, a loop at SCHED_IDLE runs on every CPU while the
// program does, and none is left once it has ended; the workload says its
// CPU is warm cores'.
func TestRecordWarmCores(t *testing.T) {
	if goruntime.GOOS != "linux" {
		t.Skip("SCHED_IDLE is Linux's")
	}
	py := python(t)
	const prog = spin + `import os
def loops():
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read()
            if b"SCHED_IDLE" in cmd and int(pid) != os.getpid():
                found.append((os.sched_getscheduler(int(pid)), len(os.sched_getaffinity(int(pid)))))
        except OSError:
            pass
    return found
def handle(i):
    spin(2)
    time.sleep(0.005)
found = loops()
for i in range(4):
    handle(i)
print(len(found), all(p == os.SCHED_IDLE and n == 1 for p, n in found), os.cpu_count())
`
	dir := t.TempDir()
	path := filepath.Join(dir, "prog.py")
	if err := os.WriteFile(path, []byte(prog), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rec, status, err := Run(context.Background(), RunOptions{Python: py, Program: []string{path}, Stdout: &out, Stderr: &out, WarmCores: true})
	if err != nil || status != 0 {
		t.Fatalf("status %d, %v:\n%s", status, err, out.String())
	}
	n := goruntime.NumCPU()
	if want := fmt.Sprintf("%d True %d\n", n, n); out.String() != want {
		t.Errorf("the program saw %q (loops, all at SCHED_IDLE on one CPU each, CPUs), want %q", out.String(), want)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte("SCHED_IDLE")) && bytes.Contains(b, []byte("import os, signal, sys")) {
			t.Errorf("a warm loop is left after the program ended: %s", p)
		}
	}
	res, err := Fold(rec, Options{Command: "prog.py", Name: "prog", Cores: n, Date: "2026-12-04"})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !bytes.Contains(res.YAML, []byte("kept busy while it ran (--warm-cores)")) || !res.Summary.WarmCores ||
		!strings.Contains(res.Summary.Text(), "--warm-cores") {
		t.Errorf("the workload and its summary do not say the cores were kept busy:\n%s\n%s", res.YAML, res.Summary.Text())
	}
}

// The fake interpreters are shell scripts, and the checks of what is left
// running use Unix signals.

//go:build unix

package python

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
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

// fake writes an executable shell script standing in for python.
func fake(t *testing.T, body string) string {
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

func TestFind(t *testing.T) {
	tests := []struct {
		name, script string
		want         error
		msg          string
		py           Interpreter // Path aside
	}{
		{"good", `echo "CPython 3.11.7 gil"`, nil, "", Interpreter{Implementation: "CPython", Version: Version{3, 11, 7}}},
		{"3.8 is enough", `echo "CPython 3.8.0 gil"`, nil, "", Interpreter{Implementation: "CPython", Version: Version{3, 8, 0}}},
		{"free-threaded", `echo "CPython 3.13.1 nogil"`, nil, "", Interpreter{Implementation: "CPython", Version: Version{3, 13, 1}, FreeThreaded: true}},
		{"pypy", `echo "PyPy 3.10.14 gil"`, nil, "", Interpreter{Implementation: "PyPy", Version: Version{3, 10, 14}}},
		{"too old", `echo "CPython 3.7.9 gil"`, ErrOldPython, "is Python 3.7.9; conclab needs 3.8 or newer", Interpreter{}},
		{"python 2", `echo "CPython 2.7.18 gil"`, ErrOldPython, "needs 3.8 or newer", Interpreter{}},
		{"crashes", `echo "boom" >&2; exit 3`, ErrNoPython, "does not run: exit status 3: boom", Interpreter{}},
		{"not python", `echo hello`, ErrNoPython, "is not a Python interpreter", Interpreter{}},
		{"bad version", `echo "CPython 3.x.1 gil"`, ErrNoPython, "is not a Python interpreter", Interpreter{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := fake(t, tt.script)
			py, err := Find(context.Background(), path)
			if !errors.Is(err, tt.want) || tt.want != nil && !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %v holding %q", err, tt.want, tt.msg)
			}
			if tt.want != nil {
				return
			}
			tt.py.Path = path
			if *py != tt.py {
				t.Errorf("Find = %+v, want %+v", *py, tt.py)
			}
		})
	}
	_, err := Find(context.Background(), filepath.Join(t.TempDir(), "no-such-python"))
	if !errors.Is(err, ErrNoPython) || !strings.Contains(err.Error(), "not found (install Python 3.8 or newer") {
		t.Errorf("missing interpreter: err = %v, want ErrNoPython saying not found", err)
	}
}

func TestRequireCPython(t *testing.T) {
	py := &Interpreter{Path: "pypy3", Implementation: "PyPy", Version: Version{3, 10, 14}}
	err := py.RequireCPython("calibrate")
	if !errors.Is(err, ErrNotCPython) || !strings.Contains(err.Error(), "pypy3 is PyPy 3.10.14; calibrate needs CPython") {
		t.Errorf("err = %v", err)
	}
	py.Implementation = "CPython"
	if err := py.RequireCPython("calibrate"); err != nil {
		t.Errorf("CPython refused: %v", err)
	}
	py.FreeThreaded = true
	if s := py.String(); s != "CPython 3.10.14 free-threaded (pypy3)" {
		t.Errorf("String = %q", s)
	}
}

// TestFindReal checks the probe against the machine's python3.
func TestFindReal(t *testing.T) {
	if _, err := exec.LookPath(Default); err != nil {
		testtool.Missing(t, "no python3 on PATH (.ci/run installs one)")
	}
	py, err := Find(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if py.Path != Default || py.Implementation == "" || py.Version.Before(Min) {
		t.Errorf("Find = %+v", py)
	}
}

func TestJob(t *testing.T) {
	// The interpreter starts a child that would sleep for a minute; Close
	// must kill it and remove the directory.
	py := fake(t, `sleep 60 & echo "$$ $!"; cat "$1"; wait`)
	j, err := NewJob(py, "conclab-test-*")
	if err != nil {
		t.Fatal(err)
	}
	file, err := j.Write("program.py", []byte("hello\n"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := j.Command(context.Background(), file)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Start(cmd); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(stdout)
	line, _ := br.ReadString('\n')
	if program, _ := br.ReadString('\n'); program != "hello\n" {
		t.Errorf("the interpreter read %q from its program", program)
	}
	var sleeper int
	if _, err := fmt.Sscan(line, new(int), &sleeper); err != nil {
		t.Fatalf("the fake printed %q: %v", line, err)
	}
	j.Kill()
	cmd.Wait()
	j.Close()
	if _, err := os.Stat(j.Dir); !os.IsNotExist(err) {
		t.Errorf("the job's directory %s is still there (%v)", j.Dir, err)
	}
	for i := 0; alive(sleeper); i++ {
		if i == 100 {
			syscall.Kill(sleeper, syscall.SIGKILL)
			t.Fatalf("the interpreter's child %d outlived Close", sleeper)
		}
		time.Sleep(50 * time.Millisecond)
	}

	j, err = NewJob(filepath.Join(t.TempDir(), "no-such-python"), "conclab-test-*")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Run(j.Command(context.Background())); !errors.Is(err, ErrNoPython) {
		t.Errorf("a missing interpreter: %v, want ErrNoPython", err)
	}
}

func TestTail(t *testing.T) {
	tl := &Tail{Max: 8}
	tl.Write([]byte("first line\n"))
	tl.Write([]byte("oops\n"))
	if got := string(tl.Bytes()); got != "ne\noops\n" {
		t.Errorf("Tail kept %q", got)
	}
	if got := LastLine(tl.Bytes()); got != ": oops" {
		t.Errorf("LastLine = %q", got)
	}
	if got := LastLine([]byte("  \n")); got != "" {
		t.Errorf("LastLine of nothing = %q", got)
	}
}

// alive says whether process pid runs: it exists and, where /proc tells,
// is no zombie (a killed orphan waits for init to reap it).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

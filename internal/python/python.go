package python

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/child"
)

// Default is the interpreter conclab runs when none is given: python3,
// looked up on PATH.
const Default = "python3"

// Min is the oldest Python conclab runs: the programs export writes and
// calibrate's measure.py use the standard library of 3.8.
var Min = Version{3, 8, 0}

// Errors about the interpreter, for errors.Is.
var (
	// ErrNoPython: the interpreter cannot be found or run, or is not a
	// Python.
	ErrNoPython = errors.New("no usable Python")
	// ErrOldPython: the interpreter is older than Min.
	ErrOldPython = errors.New("Python too old")
	// ErrNotCPython: the interpreter is not CPython (see
	// Interpreter.RequireCPython).
	ErrNotCPython = errors.New("not CPython")
)

// Version is a Python version, major.minor.micro.
type Version struct{ Major, Minor, Micro int }

// String is "3.11.7".
func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Micro) }

// Before says whether v is older than w.
func (v Version) Before(w Version) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	if v.Minor != w.Minor {
		return v.Minor < w.Minor
	}
	return v.Micro < w.Micro
}

// minText is Min as people write it: "3.8".
func minText() string { return fmt.Sprintf("%d.%d", Min.Major, Min.Minor) }

// Interpreter is a Python interpreter that Find checked.
type Interpreter struct {
	Path           string // as given: python3, /usr/bin/python3.12
	Implementation string // platform.python_implementation(): CPython, PyPy, …
	Version        Version
	// FreeThreaded: a free-threaded build (3.13t) running without the
	// GIL; false for a build with the GIL, or one that turned it back on.
	FreeThreaded bool
}

// String is "CPython 3.11.7 (python3)", with "free-threaded" after the
// version when it is.
func (py *Interpreter) String() string {
	ft := ""
	if py.FreeThreaded {
		ft = " free-threaded"
	}
	return fmt.Sprintf("%s %s%s (%s)", py.Implementation, py.Version, ft, py.Path)
}

// RequireCPython returns nil for a CPython, else an error wrapping
// ErrNotCPython that says what needs one.
func (py *Interpreter) RequireCPython(what string) error {
	if py.Implementation == "CPython" {
		return nil
	}
	return fmt.Errorf("%w: %s is %s %s; %s needs CPython (give another with --python)",
		ErrNotCPython, py.Path, py.Implementation, py.Version, what)
}

// probe prints "implementation major.minor.micro gil|nogil". It is valid
// Python 2 too, so that an old interpreter gets a clear answer rather than
// a SyntaxError; sys._is_gil_enabled exists from 3.13 on.
const probe = `import sys, platform, sysconfig
ft = sysconfig.get_config_var("Py_GIL_DISABLED") and not getattr(sys, "_is_gil_enabled", lambda: True)()
sys.stdout.write("%s %d.%d.%d %s\n" % ((platform.python_implementation(),) + tuple(sys.version_info[:3]) + (ft and "nogil" or "gil",)))`

// probeTimeout bounds the short runs of the interpreter (Find, Eval).
const probeTimeout = 30 * time.Second

// Find runs path (a name looked up on PATH, or a path; Default when
// empty) and checks that it is a Python of at least Min. Its errors wrap
// ErrNoPython or ErrOldPython and say what to do; it does not require
// CPython (see RequireCPython).
func Find(ctx context.Context, path string) (*Interpreter, error) {
	if path == "" {
		path = Default
	}
	out, err := Eval(ctx, path, probe)
	if err != nil {
		var ee *exec.ExitError
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission):
			return nil, fmt.Errorf("%w: %s not found (install Python %s or newer, or give its path with --python)",
				ErrNoPython, path, minText())
		case errors.Is(err, context.DeadlineExceeded):
			return nil, fmt.Errorf("%w: %s did not answer within %s", ErrNoPython, path, probeTimeout)
		case errors.As(err, &ee):
			return nil, fmt.Errorf("%w: %s does not run: %v", ErrNoPython, path, err)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrNoPython, path, err)
	}
	f := strings.Fields(string(out))
	var v Version
	ok := len(f) == 3
	if ok {
		nums := []*int{&v.Major, &v.Minor, &v.Micro}
		parts := strings.Split(f[1], ".")
		ok = len(parts) == len(nums)
		for i := 0; ok && i < len(parts); i++ {
			n, err := strconv.Atoi(parts[i])
			ok = err == nil && n >= 0
			*nums[i] = n
		}
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s is not a Python interpreter (it printed %.80q)", ErrNoPython, path, out)
	}
	py := &Interpreter{Path: path, Implementation: f[0], Version: v, FreeThreaded: f[2] == "nogil"}
	if v.Before(Min) {
		return py, fmt.Errorf("%w: %s is Python %s; conclab needs %s or newer (give another with --python)",
			ErrOldPython, path, v, minText())
	}
	return py, nil
}

// Eval runs python -c code, for at most 30 s or until ctx ends, and
// returns what it printed. A failure's error ends with the last line it
// wrote on stderr.
func Eval(ctx context.Context, python, code string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	cmd := child.Command(ctx, python, "-c", code)
	errOut := &Tail{Max: 8 << 10}
	cmd.Stderr = errOut
	out, err := child.Output(cmd)
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, fmt.Errorf("%w%s", err, LastLine(errOut.Bytes()))
	}
	return out, nil
}

// Tail is a Writer that keeps the last Max bytes written to it: a
// program's stderr, for the error when it fails.
type Tail struct {
	Max int
	buf []byte
}

// Write keeps the last Max bytes of what it was given.
func (t *Tail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.Max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.Max:]...)
	}
	return len(p), nil
}

// Bytes returns what Tail kept.
func (t *Tail) Bytes() []byte { return t.buf }

// LastLine returns ": " and the last non-empty line of text (a program's
// stderr), or "" when there is none.
func LastLine(text []byte) string {
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return ": " + l
	}
	return ""
}

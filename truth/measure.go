package truth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/child"
	"github.com/conclab/conclab/internal/scratch"
)

// Format is the value of "format" in the document an exported program prints.
const Format = "conclab-measurement/1"

// Measurement is the document an exported program prints (see the package
// documentation). Times are seconds since the program's origin.
type Measurement struct {
	Format         string    `json:"format"`
	Workload       string    `json:"workload"`
	Model          string    `json:"model"`
	Python         string    `json:"python"`         // "3.11.7"
	Implementation string    `json:"implementation"` // "cpython"
	CPUCount       int       `json:"cpu_count"`
	SwitchInterval float64   `json:"switch_interval"`
	Makespan       float64   `json:"makespan"`
	CPU            float64   `json:"cpu_s"` // CPU time of the program and its ended children
	Main           Thread    `json:"main"`
	Workers        []Worker  `json:"workers"`
	Tasks          []TaskRun `json:"tasks"`
}

// Thread names an OS thread: its process id and threading.get_ident().
// In JSON it is [pid, thread].
type Thread struct {
	PID    int
	Thread uint64
}

// Worker is a worker process that reported it was up: the thread that
// reported it and when. In JSON it is [pid, thread, ready].
type Worker struct {
	Thread
	Ready float64
}

// TaskRun is what one task did.
type TaskRun struct {
	Name    string    `json:"name"`
	Release float64   `json:"release"`
	Start   float64   `json:"start"`
	End     float64   `json:"end"`
	Steps   []StepRun `json:"steps"`
}

// StepRun is one step as it ran. In JSON it is [kind, start, end, pid,
// thread].
type StepRun struct {
	Kind       StepKind
	Start, End float64
	Thread
}

// UnmarshalJSON reads [pid, thread].
func (t *Thread) UnmarshalJSON(data []byte) error {
	var a []json.Number
	if err := json.Unmarshal(data, &a); err != nil || len(a) != 2 {
		return fmt.Errorf("want [pid, thread], not %.40s", data)
	}
	return t.set(a[0], a[1])
}

func (t *Thread) set(pid, thread json.Number) error {
	p, err := strconv.Atoi(pid.String())
	if err != nil {
		return fmt.Errorf("pid %s: %w", pid, err)
	}
	th, err := strconv.ParseUint(thread.String(), 10, 64)
	if err != nil {
		return fmt.Errorf("thread %s: %w", thread, err)
	}
	t.PID, t.Thread = p, th
	return nil
}

// UnmarshalJSON reads [pid, thread, ready].
func (w *Worker) UnmarshalJSON(data []byte) error {
	var a []json.Number
	if err := json.Unmarshal(data, &a); err != nil || len(a) != 3 {
		return fmt.Errorf("want [pid, thread, ready], not %.40s", data)
	}
	r, err := a[2].Float64()
	if err != nil {
		return err
	}
	w.Ready = r
	return w.Thread.set(a[0], a[1])
}

// UnmarshalJSON reads [kind, start, end, pid, thread].
func (s *StepRun) UnmarshalJSON(data []byte) error {
	var a []json.RawMessage
	if err := json.Unmarshal(data, &a); err != nil || len(a) != 5 {
		return fmt.Errorf("want [kind, start, end, pid, thread], not %.40s", data)
	}
	var kind string
	var start, end float64
	var pid, thread json.Number
	for i, v := range []any{&kind, &start, &end, &pid, &thread} {
		if err := json.Unmarshal(a[i], v); err != nil {
			return fmt.Errorf("step field %d: %w", i+1, err)
		}
	}
	s.Kind, s.Start, s.End = StepKind(kind), start, end
	switch s.Kind {
	case Work, WorkReleased, Wait, WaitBlocking:
	default:
		return fmt.Errorf("unknown step kind %q", kind)
	}
	return s.Thread.set(pid, thread)
}

// ParseMeasurement reads the document an exported program printed.
func ParseMeasurement(data []byte) (*Measurement, error) {
	var m Measurement
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("reading the program's output: %w", err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("reading the program's output: format %q, want %q", m.Format, Format)
	}
	return &m, nil
}

// Errors about the Python interpreter, for errors.Is.
var (
	ErrNoPython  = errors.New("no python")
	ErrOldPython = errors.New("python too old")
)

// CheckPython runs python and returns its version ("3.11.7") and
// implementation ("cpython"). A python that cannot be run is ErrNoPython,
// one older than 3.8 ErrOldPython (the exported programs need 3.8).
func CheckPython(ctx context.Context, python string) (version, impl string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// Valid Python 2 too, so that an old python3 gets a clear answer.
	const probe = `import sys; v = sys.version_info; i = getattr(sys, "implementation", None); ` +
		`print("%d.%d.%d %s" % (v[0], v[1], v[2], i.name if i else "cpython"))`
	cmd := child.Command(ctx, python, "-c", probe)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := child.Run(cmd); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return "", "", fmt.Errorf("%w: %s: %v", ErrNoPython, python, err)
		}
		return "", "", fmt.Errorf("%w: %s does not run: %v%s", ErrNoPython, python, err, lastLine(errOut.Bytes()))
	}
	f := strings.Fields(out.String())
	if len(f) != 2 {
		return "", "", fmt.Errorf("%w: %s printed %q for its version", ErrNoPython, python, out.String())
	}
	version, impl = f[0], f[1]
	var major, minor int
	if _, err := fmt.Sscanf(version, "%d.%d", &major, &minor); err != nil {
		return "", "", fmt.Errorf("%w: %s printed %q for its version", ErrNoPython, python, version)
	}
	if major < 3 || (major == 3 && minor < 8) {
		return version, impl, fmt.Errorf("%w: %s is Python %s; the exported programs need 3.8 or newer", ErrOldPython, python, version)
	}
	return version, impl, nil
}

// Measure runs an exported program with python and reads what it printed.
// The program runs from a temporary directory (a spawned worker process
// imports it again by path) in a process group that ends with conclab
// (see internal/child); on timeout, on ctx's cancellation, when it fails
// and when it is done, the whole group is killed (the workers of its
// process pools included) and Measure returns only once none is left or
// after a few seconds of trying.
func Measure(ctx context.Context, python string, program []byte, timeout time.Duration) (*Measurement, error) {
	dir, err := scratch.Dir("conclab-verify-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "program.py")
	if err := os.WriteFile(file, program, 0o600); err != nil {
		return nil, err
	}

	g, err := child.NewGroup()
	if err != nil {
		return nil, fmt.Errorf("starting the program: %w", err)
	}
	defer g.Close()
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := g.Command(runCtx, python, file)
	cmd.Dir = dir
	var out bytes.Buffer
	errOut := &tail{max: 8 << 10}
	cmd.Stdout, cmd.Stderr = &out, errOut
	runErr := child.Run(cmd)
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case runCtx.Err() != nil:
		return nil, fmt.Errorf("the program ran longer than %s and was stopped", timeout)
	case runErr != nil:
		return nil, fmt.Errorf("the program failed: %v%s", runErr, lastLine(errOut.Bytes()))
	}
	m, err := ParseMeasurement(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, lastLine(errOut.Bytes()))
	}
	return m, nil
}

// tail keeps the last max bytes written to it.
type tail struct {
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tail) Bytes() []byte { return t.buf }

// lastLine returns ": " and the last non-empty line of stderr, or "".
func lastLine(stderr []byte) string {
	lines := strings.Split(strings.TrimSpace(string(stderr)), "\n")
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return ": " + l
	}
	return ""
}

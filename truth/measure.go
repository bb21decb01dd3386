package truth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"time"

	"github.com/conclab/conclab/internal/python"
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
	WorkRate       float64   `json:"work_rate"` // iterations of work's loop per CPU second
	Makespan       float64   `json:"makespan"`
	CPU            float64   `json:"cpu_s"` // CPU time of the program and its ended children
	Main           Thread    `json:"main"`
	Workers        []Worker  `json:"workers"`
	Tasks          []TaskRun `json:"tasks"`
	// Deadlock is set when the program stopped itself because no step
	// began or ended for Stalled seconds while tasks were left (its
	// watchdog): its tasks waited for each other. Tasks it stopped have
	// End -1.
	Deadlock *MeasuredDeadlock `json:"deadlock,omitempty"`
	// CompilerCPU is the CPU time the JVM's JIT compiler threads took
	// during the run, in the main JVM and its workers (Java on Linux only;
	// nil elsewhere): the JIT's warm-up, beside the tasks.
	CompilerCPU *float64 `json:"compiler_cpu_s,omitempty"`
}

// MeasuredDeadlock is when a program's last step began or ended before it
// stalled, and how long it waited before calling that a deadlock.
type MeasuredDeadlock struct {
	At      float64 `json:"at"`
	Stalled float64 `json:"stalled"`
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
// thread, cpu]; cpu, the thread's CPU time in the step, may be left out
// (CPU is then -1).
type StepRun struct {
	Kind       StepKind
	Start, End float64
	Thread
	CPU float64
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

// UnmarshalJSON reads [kind, start, end, pid, thread, cpu] or [kind,
// start, end, pid, thread].
func (s *StepRun) UnmarshalJSON(data []byte) error {
	var a []json.RawMessage
	if err := json.Unmarshal(data, &a); err != nil || len(a) != 5 && len(a) != 6 {
		return fmt.Errorf("want [kind, start, end, pid, thread, cpu], not %.40s", data)
	}
	var kind string
	var start, end float64
	var pid, thread json.Number
	cpu := -1.0
	fields := []any{&kind, &start, &end, &pid, &thread, &cpu}
	for i := range a {
		if err := json.Unmarshal(a[i], fields[i]); err != nil {
			return fmt.Errorf("step field %d: %w", i+1, err)
		}
	}
	s.Kind, s.Start, s.End, s.CPU = StepKind(kind), start, end, cpu
	switch s.Kind {
	case Work, WorkReleased, Wait, WaitBlocking, ResourceWait:
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

// Measure runs an exported program with the interpreter py and reads what it printed.
// The program runs from a temporary directory (a spawned worker process
// imports it again by path) in a process group that ends with conclab
// (see internal/child); on timeout, on ctx's cancellation, when it fails
// and when it is done, the whole group is killed (the workers of its
// process pools included) and Measure returns only once none is left or
// after a few seconds of trying.
func Measure(ctx context.Context, py string, program []byte, timeout time.Duration) (*Measurement, error) {
	out, errOut, err := runProgram(ctx, py, program, timeout)
	if err != nil {
		return nil, err
	}
	m, err := ParseMeasurement(out)
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, python.LastLine(errOut))
	}
	return m, nil
}

// runProgram runs program with the interpreter py as Measure does and
// returns its standard output and the tail of its standard error.
func runProgram(ctx context.Context, py string, program []byte, timeout time.Duration) (stdout, stderr []byte, err error) {
	job, err := python.NewJob(py, "conclab-verify-*")
	if err != nil {
		return nil, nil, fmt.Errorf("starting the program: %w", err)
	}
	defer job.Close()
	file, err := job.Write("program.py", program)
	if err != nil {
		return nil, nil, err
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := job.Command(runCtx, file)
	var out bytes.Buffer
	errOut := &python.Tail{Max: 8 << 10}
	cmd.Stdout, cmd.Stderr = &out, errOut
	runErr := job.Run(cmd)
	switch {
	case ctx.Err() != nil:
		return nil, nil, ctx.Err()
	case errors.Is(runErr, python.ErrNoPython):
		return nil, nil, runErr
	case runCtx.Err() != nil:
		return nil, nil, fmt.Errorf("the program ran longer than %s and was stopped", timeout)
	case errors.Is(runErr, exec.ErrWaitDelay) && cmd.ProcessState.Success():
		// It ended well, but a process it started (one a deadlock left
		// waiting, which it could not end) still held its output open
		// after WaitDelay; what it wrote is whole, and Close kills the
		// rest of its group.
	case runErr != nil:
		return nil, nil, fmt.Errorf("the program failed: %v%s", runErr, python.LastLine(errOut.Bytes()))
	}
	return out.Bytes(), errOut.Bytes(), nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/internal/toolchain"
)

type calibrateOptions struct {
	runtime string
	output  string
	python  string
	runs    int
	quick   bool
	timeout time.Duration
}

func newCalibrateCmd(s *streams) *cobra.Command {
	var o calibrateOptions
	cmd := &cobra.Command{
		Use:   "calibrate [--runtime cpython|java|go] [-o profile.yaml]",
		Short: "Measure a runtime profile's constants (cpython, java or go) on this machine",
		Long: `Calibrate measures, on this machine with its CPython, every constant of the
cpython profile: thread start, the per-task cost of a ThreadPoolExecutor, an
asyncio resume and task creation, fork and spawn worker start-up, a process
pool round trip, the overshoot of time.sleep and of asyncio.sleep, and the
resident and reserved memory of a thread, a pending asyncio task and a
process, and the GIL's hand-overs. It runs each measurement --runs times and keeps the median.

It writes a profile (to -o, else standard output) that run --profile
accepts, and prints a table of what it measured with the spread over the
runs (on standard error when the profile goes to standard output).

It runs the measurement script (runtime/measure.py, built in) with the
interpreter given by --python, which must be CPython 3.8 or newer. A full
calibration takes about 2 minutes on 2 cores, 20 s of it how long a thread
back from a sleep waits for the GIL beside 2 to 6 CPU-bound threads (which
differs from machine to machine more than any other figure); --quick takes
about 25 s and is noisier. Ctrl-C stops it and every process it started.

With --runtime java it compiles a built-in Java program (runtime/measure.java)
with javac and runs it with java (a JDK 11 or newer on PATH); with --runtime
go it builds a built-in Go program (runtime/measure_go.txt) with go build.
They measure what the programs of "conclab export --runtime java|go" do:
thread (goroutine) start, a pool's submit and per-task cost, a wake-up, the
overshoot of a short wait, the start-up of a worker process (a fresh JVM,
warmed up as the exported program's workers are; a Go binary) to its first
line, a line's round trip to a worker, and the memory of a thread and of a
process. The constants of the event loop, the collector and pickling mean
nothing there and keep the built-in profile's figures (none).`,
		Example: `  conclab calibrate -o here.yaml
  conclab run seed-cpu --profile here.yaml
  conclab calibrate --python /usr/bin/python3.12 --runs 9 -o py312.yaml
  conclab calibrate --quick > /dev/null
  conclab calibrate --runtime java -o java-here.yaml
  conclab verify seed-cpu --runtime java --profile java-here.yaml
  conclab calibrate --runtime go --runs 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("runs") {
				if o.runs < 1 || o.runs > 1000 {
					return fmt.Errorf("--runs %d: want a whole number from 1 to 1000", o.runs)
				}
			} else if o.quick {
				o.runs = 0 // the script's quick default
			}
			if o.timeout <= 0 {
				return fmt.Errorf("--timeout %s: want a positive duration such as 5m", o.timeout)
			}
			switch o.runtime {
			case "cpython", "java", "go":
			default:
				return fmt.Errorf("--runtime %q: calibrate measures cpython, java or go", o.runtime)
			}
			if strings.TrimSpace(o.python) == "" {
				return errors.New("--python: empty (want an interpreter such as python3 or /usr/bin/python3)")
			}
			if err := checkOutput(o.output); err != nil {
				return err
			}
			return runCalibrate(cmd.Context(), s, &o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.runtime, "runtime", "cpython", "the runtime to measure: cpython, java (with java and javac) or go (with go)")
	f.StringVarP(&o.output, "output", "o", "", "write the profile to this file (only once all succeeded) instead of stdout")
	f.StringVar(&o.python, "python", python.Default, "the CPython interpreter to measure (3.8 or newer)")
	f.IntVar(&o.runs, "runs", 5, "repetitions of every measurement; the profile keeps the median")
	f.BoolVar(&o.quick, "quick", false, "3 runs of fewer repetitions: a few seconds, noisier (for tests)")
	f.DurationVar(&o.timeout, "timeout", 5*time.Minute, "stop (and kill the interpreter) after this long")
	return cmd
}

func runCalibrate(ctx context.Context, s *streams, o *calibrateOptions) error {
	// Ctrl-C must reach the interpreter's process group, which runs apart
	// from ours so that its workers can be killed together.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := runtime.CanCalibrate(); err != nil {
		return err // exit 2: not here
	}
	var tool fmt.Stringer
	if o.runtime == "cpython" {
		py, err := python.Find(ctx, o.python)
		if err == nil {
			err = py.RequireCPython("the cpython profile")
		}
		if err != nil {
			if errors.Is(err, python.ErrNoPython) || errors.Is(err, python.ErrOldPython) || errors.Is(err, python.ErrNotCPython) {
				return err // exit 2: the user's interpreter, not our work
			}
			return fail(err)
		}
		tool = py
	} else {
		tc, err := toolchain.Find(ctx, toolchain.Lang(o.runtime), "")
		if err != nil {
			return err // exit 2: not installed here
		}
		tool = tc
	}
	runs := o.runs
	about := fmt.Sprintf("%d runs", runs)
	if o.quick {
		about = "quick"
	}
	fmt.Fprintf(s.err, "calibrate: measuring %s, %s…\n", tool, about)

	pr := newProgressPrinter(s.err)
	m, err := runtime.Calibrate(ctx, runtime.CalibrateOptions{
		Runtime:  o.runtime,
		Python:   o.python,
		Runs:     runs,
		Quick:    o.quick,
		Timeout:  o.timeout,
		Progress: pr.show,
		Log:      pr,
	})
	pr.end()
	if err != nil {
		if ctx.Err() != nil {
			return fail(fmt.Errorf("calibrate: stopped (%v); nothing written, the interpreter and its children killed",
				context.Cause(ctx)))
		}
		return fail(fmt.Errorf("calibrate: %w", err))
	}
	prof, err := m.Profile()
	if err != nil {
		return fail(fmt.Errorf("calibrate: %w", err))
	}
	if toFile(o.output) {
		prof.Verify = fmt.Sprintf("conclab verify --suite --python %s --profile %s", o.python, o.output)
		if o.runtime != "cpython" {
			prof.Verify = fmt.Sprintf("conclab verify --suite --runtime %s --profile %s", o.runtime, o.output)
		}
	}
	data, err := prof.YAML()
	if err != nil {
		return fail(fmt.Errorf("calibrate: %w", err))
	}

	table := s.out
	if !toFile(o.output) {
		table = s.err
	}
	if err := s.emit(ctx, o.output, data); err != nil {
		return err
	}
	if err := writeCalibration(table, m, prof); err != nil {
		return fail(err)
	}
	if toFile(o.output) {
		fmt.Fprintf(table, "\nWrote %s; use it with: conclab run FILE --profile %s\n", o.output, o.output)
	}
	return nil
}

// writeCalibration prints the measured constants with their spread, beside
// the built-in profile of the release measured (runtime.ForPython).
func writeCalibration(w io.Writer, m *runtime.Measurement, prof runtime.Profile) error {
	fmt.Fprintf(w, "Measured on %s (%s, %d cores), %s %s, %s, in %.1f s, %s each:\n\n",
		orUnknown(m.Hostname), orUnknown(m.CPU), m.Cores, orUnknown(m.Implementation), m.Python,
		orUnknown(m.Date), m.Seconds, numfmt.Count(m.Runs, "run", "runs"))
	name, exact := prof.Name, true
	if prof.CPython() {
		var major, minor int
		fmt.Sscanf(prof.Python, "%d.%d", &major, &minor)
		name, exact = runtime.ForPython(major, minor, !prof.GIL)
	}
	builtin, err := runtime.Builtin(name)
	if err != nil {
		return err
	}
	rows := [][]string{{"constant", "median", "spread (min–max)", name, "what"}}
	values, was := profileValues(prof), profileValues(builtin)
	for _, c := range runtime.Constants() {
		st := m.Results[c.Field]
		if st.N == 0 && values[c.Field] == 0 && prof.Name != "cpython" && prof.Python == "" {
			continue // nothing to measure for a JVM or a Go program (an event loop's, pickling)
		}
		if c.GoOnly && m.Implementation != "go" {
			continue // the Go runtime's netpoller: nothing of CPython's
		}
		median, before := report.Seconds(values[c.Field]), report.Seconds(was[c.Field])
		spread := runtime.Spread(st, c.Size)
		switch {
		case c.Count:
			median, spread = fmt.Sprint(values[c.Field]), runtime.CountSpread(st)
			before = fmt.Sprint(was[c.Field])
		case c.Size:
			median, before = report.Bytes(values[c.Field]), report.Bytes(was[c.Field])
		}
		if st.N == 0 {
			// A constant newer than the measurement: the built-in figure.
			spread = "built-in figure"
		}
		rows = append(rows, []string{c.Key, median, spread, before, c.About})
	}
	// The key and the text left-aligned, the numbers right-aligned.
	writeColumns(w, rows, []bool{false, true, true, true, false}, 0)
	about := fmt.Sprintf("\n%s is conclab's built-in profile of CPython %s, measured on the reference machine", name, prof.Python)
	if !prof.CPython() {
		about = fmt.Sprintf("\n%s is conclab's built-in profile of %s, measured on the reference machine", name, orUnknown(m.Implementation+" "+m.Python))
	}
	if !exact {
		about = fmt.Sprintf("\nconclab has no built-in profile of CPython %s; %s is the nearest", prof.Python, name)
	}
	fmt.Fprintln(w, about+".")
	return nil
}

// profileValues maps field names to the profile's constants.
func profileValues(p runtime.Profile) map[string]int64 {
	out := make(map[string]int64)
	for _, c := range runtime.Constants() {
		out[c.Field] = c.Of(p)
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// progressPrinter shows measure.py's progress on stderr: one line per
// measurement, or, on a terminal, one line rewritten in place.
type progressPrinter struct {
	w    io.Writer
	tty  bool
	open bool // a rewritten line is on screen without its newline
	keys map[string]string
}

func newProgressPrinter(w io.Writer) *progressPrinter {
	p := &progressPrinter{w: w, keys: map[string]string{}}
	if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		p.tty = true
	}
	for _, c := range runtime.Constants() {
		p.keys[c.Field] = c.Key
	}
	// Extras measure.py reports beside the constants.
	p.keys["SleepOvershoot2ms"] = "sleep_overshoot (2 ms sleeps)"
	p.keys["SleepOvershoot10ms"] = "sleep_overshoot (10 ms sleeps)"
	p.keys["ProcessSpawnElapsed"] = "process_spawn (elapsed, alone)"
	p.keys["ProcessSpawnAlone"] = "process_spawn (alone)"
	p.keys["ProcessSpawnCPU"] = "process_spawn (CPU, side by side)"
	return p
}

func (p *progressPrinter) show(pr runtime.Progress) {
	key := p.keys[pr.Name]
	if key == "" {
		key = pr.Name
	}
	value := report.Seconds(int64(pr.Value))
	switch {
	case pr.Count:
		value = fmt.Sprintf("%.1f%s", pr.Value, runtime.CountNoun(pr.Name))
	case pr.Size:
		value = report.Bytes(int64(pr.Value))
	}
	line := fmt.Sprintf("calibrate: %*d/%d  run %d/%d  %s = %s", len(fmt.Sprint(pr.Total)), pr.Done, pr.Total,
		pr.Run, pr.Runs, key, value)
	if p.tty {
		fmt.Fprintf(p.w, "\r\x1b[K%s", line)
		p.open = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// Write passes on the interpreter's other stderr lines (warnings), after
// ending a line being rewritten.
func (p *progressPrinter) Write(b []byte) (int, error) {
	p.end()
	return p.w.Write(b)
}

func (p *progressPrinter) end() {
	if p.open {
		fmt.Fprintln(p.w)
		p.open = false
	}
}

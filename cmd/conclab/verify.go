package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/truth"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/jsonout"
	"github.com/conclab/conclab/internal/machine"
	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/internal/textsafe"
	"github.com/conclab/conclab/internal/toolchain"
)

const (
	// shownTasks is how many tasks per model the task table shows before it
	// folds to the worst ones.
	shownTasks = 8
	// worstTasks is how many tasks a folded task table shows.
	worstTasks = 5
)

type verifyOptions struct {
	runOptions
	repeat      int
	tolerance   string
	gilPython   string
	only        []string
	timeout     time.Duration
	suite       bool
	suiteMedian string
	suiteWorst  string
	handover    []int // --gil-handover: thread counts
	// profileWorkerCosts: predict with the built-in profile's worker start-ups,
	// not this machine's (truth.CheckConfig.ProfileWorkerCosts).
	profileWorkerCosts bool
}

func newVerifyCmd(s *streams) *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify FILE|NAME|-e INLINE [-m MODEL]...",
		Short: "Run a workload for real (CPython, Java or Go) and compare with the prediction",
		Long: `Verify simulates the workload under each model on this machine's cores, runs
the program "conclab export" writes for it several times (with python3; for
--runtime java, compiled with javac and run with java; for --runtime go,
built with go build and run), and puts predicted and measured side by side: the makespan of each model, each
task's end time, and the two timelines one above the other. Measured figures
are medians over the runs, with their range. The exit status is 1 when a
makespan is off by more than the tolerance, or when it is and the machine
was too busy to tell (inconclusive).

The program's work steps run Python bytecode (a loop of calls, arithmetic,
attributes and dicts), as many iterations as this python runs in the
step's duration: verify measures that rate once, before the runs (the best
of 20 short runs, timed by the thread's CPU clock; again, keeping the
best, while the machine is busy). In the measured timelines a work step is
"running Python": the program sees when a step ran, not which thread held
the GIL. The Java and Go programs spin on the thread's CPU clock instead
(there is no GIL, and no rate to measure); their compilation happens once per
model, before the runs, and is not measured. Java's clock starts in main,
once the JVM is up and its JIT compilers have gone idle; the CPU they take
during the run, compiling what has got hot, is not modelled, and verify
says how much it was. A worker process of processes(N) is a fresh JVM or a
fresh Go process, whose start-up is the profile's process_spawn.

A worker process's start-up, and moving data to and from one, is mostly
page faults, whose cost varies from machine to machine and, on a virtual
machine, from hour to hour (one host forked a pool's worker in 8 ms one
day and in 22-25 ms the next). So when a model starts worker processes
(processes(N), or a step offloaded to the event loop's process pool) and
the runtime is a built-in CPython profile, verify first measures those
start-ups on this machine with the same interpreter (calibrate's
measurements: a few seconds; about 15 more when tasks carry data to the
workers), predicts with them, and says so under the table's heading;
--profile-worker-costs predicts with the profile's own figures instead. A
profile file (--profile) is used as it is.

` + busyHelp + `

Each run is stopped after --timeout (by default 5 × the predicted makespan
plus 10 s, at least 30 s); on Ctrl-C every Python process it started, pool
workers included, is killed.

With --suite it runs every scenario of the accuracy suite
(examples/validation) under that scenario's models and prints one table with
the median and worst |error|; the exit status is 1 when the median is above
--suite-median or the worst above --suite-worst. It is inconclusive (still
exit status 1, in words of its own) when the rows measured on a quiet
machine alone pass both. With --runtime java or go each scenario keeps the
models whose program that runtime runs (no asyncio, no input: or output:
data, no processes(P)*threads(T)), and a scenario with none left is left
out, and named under the table.

With --gil-handover N,M,… it runs N (then M, …) threads spinning in Python
code for 2 s, --repeat times (runtime/gil_handover.py), simulates the same
threads, and compares how long they waited for the GIL: the 99th percentile
of the waits within 25 %, and the median when 60 % or more of the
hand-overs went to the newest waiter (exit status 1 otherwise); the 90th
is shown. With fewer to the newest, CPython's median is one switch
interval in some runs and two in others.
This is where CPython's GIL hand-over shows: after a forced switch it goes to
the newest waiter more often than to the longest.`,
		Example: `  conclab verify seed-io
  conclab verify seed-cpu -m 'threads(2)' -m 'processes(2)' --repeat 5
  conclab verify seed-cpu --runtime java
  conclab verify seed-io --runtime go -m 'threads(3)' 
  conclab verify -e '4 x [work 100ms, wait 50ms]' -m asyncio --format json
  conclab verify --suite
  conclab verify --suite --runtime java
  conclab verify --gil-handover 3,6,8`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.models = splitModels(o.models)
			fl := cmd.Flags()
			if !fl.Changed("cores") {
				o.cores = min(goruntime.NumCPU(), workload.MaxCores)
			} else if o.cores < 1 || o.cores > workload.MaxCores {
				return fmt.Errorf("--cores %d: want a whole number from 1 to %d", o.cores, workload.MaxCores)
			}
			if fl.Changed("switch-interval") && o.switchInterval <= 0 {
				return fmt.Errorf("--switch-interval %s: want a positive duration such as 5ms", o.switchInterval)
			}
			if err := checkMaxStepsFlag(fl, &o.runOptions); err != nil {
				return err
			}
			if err := checkWidthFlag(fl, o.width); err != nil {
				return err
			}
			if fl.Changed("expr") && strings.TrimSpace(o.inline) == "" {
				return errors.New("-e: empty inline workload (want e.g. -e '3 x [wait 2s]')")
			}
			if o.repeat < 1 || o.repeat > 1000 {
				return fmt.Errorf("--repeat %d: want a whole number from 1 to 1000", o.repeat)
			}
			if fl.Changed("timeout") && o.timeout <= 0 {
				return fmt.Errorf("--timeout %s: want a positive duration such as 1m", o.timeout)
			}
			if o.format != "text" && o.format != "json" {
				return fmt.Errorf("invalid --format %q (want text or json)", o.format)
			}
			if err := checkOutput(o.output, o.inputs(args)...); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if len(o.handover) > 0 {
				if len(args) > 0 || o.inline != "" || len(o.models) > 0 || o.suite {
					return errors.New("--gil-handover runs threads of its own: give no workload, no -m and no --suite")
				}
				return runHandover(ctx, s, &o)
			}
			if o.suite {
				if len(args) > 0 || o.inline != "" || len(o.models) > 0 {
					return errors.New("--suite runs the scenarios of examples/validation with their own models: give no workload and no -m")
				}
				return runSuite(ctx, s, &o)
			}
			if len(o.only) > 0 {
				return errors.New("--only names scenarios of the accuracy suite: give it with --suite")
			}
			return runVerify(ctx, s, &o, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.inline, "expr", "e", "", "an inline workload instead of a file (see conclab run --help)")
	f.StringArrayVarP(&o.models, "model", "m", nil, "a model expression such as threads(8); repeatable")
	f.StringVar(&o.runtime, "runtime", "", "a runtime profile: a CPython release such as cpython-3.12, cpython, cpython-ft, java or go (default: the workload's, else --python's release)")
	f.IntVar(&o.cores, "cores", 0, "CPU cores to simulate (default: this machine's, which the program runs on)")
	f.DurationVar(&o.switchInterval, "switch-interval", 0, switchIntervalUsage)
	f.StringVar(&o.profile, "profile", "", "a runtime profile file instead of the built-in one")
	addMaxStepsFlag(f, &o.runOptions)
	f.StringVar(&o.format, "format", "text", "output format: text or json")
	f.StringVarP(&o.output, "output", "o", "", "write the report to this file (once the runs are done) instead of stdout")
	addWidthFlag(f, &o.width)
	f.IntVar(&o.repeat, "repeat", 3, "runs per model; the measured figures are their medians (a busy run is made again, up to "+strconv.Itoa(truth.DefaultRetries)+" more)")
	f.StringVar(&o.tolerance, "tolerance", "10%", "the largest makespan error that passes")
	f.StringVar(&o.python, "python", python.Default, "the Python interpreter to run (CPython 3.8 or newer); its release picks the built-in profile")
	f.StringVar(&o.gilPython, "gil-python", "", "for a free-threaded --python: a build with the GIL of its release, whose speed `work` is (default: found in conclab's cache, on PATH or in pyenv)")
	f.BoolVar(&o.profileWorkerCosts, "profile-worker-costs", false, "predict worker processes' start-ups and data moves with the built-in profile's figures instead of measuring them on this machine first")
	f.DurationVar(&o.timeout, "timeout", 0, "stop a run after this long (default: max(30s, 5 × predicted + 10s))")
	f.BoolVar(&o.suite, "suite", false, "run the accuracy suite (examples/validation) instead of one workload")
	f.StringSliceVar(&o.only, "only", nil, "with --suite: run these scenarios only (comma-separated names)")
	f.StringVar(&o.suiteMedian, "suite-median", "5%", "with --suite: the largest median |makespan error| that passes")
	f.StringVar(&o.suiteWorst, "suite-worst", "15%", "with --suite: the largest worst |makespan error| that passes")
	f.IntSliceVar(&o.handover, "gil-handover", nil, "instead of a workload: this many CPU-bound threads (comma-separated counts, such as 3,6,8) on the real CPython and in the engine, their waits for the GIL compared (p99 within 25%, and p50 when 60% or more of the hand-overs went to the newest waiter)")
	return cmd
}

// percentFlag parses "10%" (or "10") as 0.10.
func percentFlag(name, v string) (float64, error) {
	t := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "%"))
	p, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(p) || p < 0 || p > 1000 {
		return 0, fmt.Errorf("%s %q: want a percentage such as 10%%", name, v)
	}
	return p / 100, nil
}

// checked is one model of a workload, predicted and measured.
type checked struct {
	model     model.Deployment
	predicted report.Run
	measured  report.Run // medians; spans of the median run
	cmp       truth.Comparison
	runs      []truth.Run
	spread    truth.Spread
	busy      bool // a run counted was busy
	verdict   truth.Verdict
}

// interpreter is the python that verify ran, checked.
type interpreter struct {
	path, version, impl string
}

func (py interpreter) String() string {
	impl := "CPython"
	if py.impl != "cpython" {
		impl = py.impl
	}
	return fmt.Sprintf("%s %s (%s)", impl, py.version, py.path)
}

// toolOf is what the reports say of what ran rep's programs: the python,
// or the java or go of runtime java or go.
func toolOf(rep *truth.Report) interpreter { return toolchainOr(rep.Toolchain, rep.Python) }

// toolchainOr is what ran the programs: tc when set, else py.
func toolchainOr(tc *toolchain.Toolchain, py *python.Interpreter) interpreter {
	if tc != nil {
		impl := "Java"
		if tc.Lang == toolchain.Go {
			impl = "Go"
		}
		return interpreter{path: tc.Path, version: tc.Version, impl: impl}
	}
	return interpreterOf(py)
}

// interpreterOf is what the reports say of py.
func interpreterOf(py *python.Interpreter) interpreter {
	return interpreter{path: py.Path, version: py.Version.String(), impl: strings.ToLower(py.Implementation)}
}

// target is what truth checks of p.
func target(p *plan.Plan) truth.Target { return *p }

func runVerify(ctx context.Context, s *streams, o *verifyOptions, args []string) error {
	tol, err := percentFlag("--tolerance", o.tolerance)
	if err != nil {
		return err
	}
	src, err := workloadSource(args, o.inline)
	if err != nil {
		return err
	}
	wl, text, err := loadWorkload(s, src, o.inline)
	if err != nil {
		return err
	}
	p, err := newPlan(ctx, s, wl, text, &o.runOptions)
	if err != nil {
		return err
	}
	if wl.Cores > 0 && wl.Cores != p.Cores {
		fmt.Fprintf(s.err, "verify %s: simulating %d cores, the cores the program runs on (the workload says %d)\n",
			oneLine(wl.Name), p.Cores, wl.Cores)
	}
	if wl.Arrivals != nil {
		return runVerifyOpen(ctx, s, o, args, p, tol)
	}
	rep, err := truth.Check(ctx, truth.CheckConfig{Target: target(p), Python: o.python, GILPython: o.gilPython, Repeat: o.repeat,
		Timeout: o.timeout, SpanTasks: maxSpanTasks, Progress: verifyProgress(s), Noise: truth.NoiseConfig{Tolerance: tol},
		ProfileWorkerCosts: o.profileWorkerCosts})
	if err != nil {
		return verifyError(ctx, p.Workload.Name, err)
	}
	py := toolOf(rep)
	checks := make([]checked, len(rep.Models))
	for i, c := range rep.Models {
		checks[i] = checked{model: c.Model, predicted: c.Predicted, measured: c.Measured, cmp: c.Comparison,
			runs: c.Runs, spread: c.Spread, busy: c.Busy, verdict: c.Verdict(tol)}
	}

	var buf bytes.Buffer
	if o.format == "json" {
		err = verifyJSON(&buf, p, py, o.repeat, tol, noiseOf(rep), checks)
	} else {
		err = verifyText(&buf, p, py, o.repeat, tol, noiseOf(rep), checks, s.textOptions(toFile(o.output), o.width))
	}
	if err != nil {
		return fail(err)
	}
	if err := s.emit(ctx, o.output, buf.Bytes(), o.inputs(args)...); err != nil {
		return err
	}
	return verifyVerdict(checks, tol)
}

// verifyVerdict is verify's exit: nil when every model is within tol; a
// failure (exit status 1) naming the models beyond it, and those that
// are inconclusive because the machine was busy, in words of their own.
// An inconclusive model fails too: SPEC §5 has exit status 1 for a failed
// check, and a check that could not tell has not passed; the message, the
// table and the JSON's "verdict" tell it from a miss.
func verifyVerdict(checks []checked, tol float64) error {
	var dead, off, unsure []string
	for _, c := range checks {
		switch c.verdict {
		case truth.Beyond:
			if c.cmp.DeadlockMismatch() {
				dead = append(dead, fmt.Sprintf("%s: %s", c.model, strings.TrimPrefix(deadlockText(c.cmp), "beyond: ")))
				continue
			}
			off = append(off, fmt.Sprintf("%s %s", c.model, numfmt.SignedPercent(c.cmp.Makespan)))
		case truth.Inconclusive:
			unsure = append(unsure, fmt.Sprintf("%s %s (%s)", c.model, numfmt.SignedPercent(c.cmp.Makespan), busiest(c)))
		}
	}
	msgs := dead
	if len(off) > 0 {
		msgs = append(msgs, fmt.Sprintf("makespan beyond ±%s of the prediction: %s", numfmt.ShortPercent(tol), strings.Join(off, ", ")))
	}
	if len(unsure) > 0 {
		msgs = append(msgs, fmt.Sprintf("inconclusive, the machine was busy: %s; not counted as a miss of the model: run verify again when the machine is quieter",
			strings.Join(unsure, ", ")))
	}
	if len(msgs) > 0 {
		return fail(errors.New(strings.Join(msgs, "; ")))
	}
	return nil
}

// verifyProgress says on stderr which real run is next.
func verifyProgress(s *streams) func(truth.Progress) {
	return func(p truth.Progress) {
		if p.Measuring != "" {
			fmt.Fprintf(s.err, "verify %s: measuring this machine's %s …\n", oneLine(p.Workload), p.Measuring)
			return
		}
		if p.Server != nil {
			fmt.Fprintf(s.err, "verify %s: %s on %s, run %d/%d, %s …\n", oneLine(p.Workload), p.Model, p.Server.Runner,
				p.Run, p.Runs, numfmt.Count(p.Requests, "request", "requests"))
			return
		}
		if p.Again != "" {
			fmt.Fprintf(s.err, "verify %s: %s run %d%s …\n", oneLine(p.Workload), p.Model, p.Run, againText(p))
			return
		}
		fmt.Fprintf(s.err, "verify %s: %s run %d/%d …\n", oneLine(p.Workload), p.Model, p.Run, p.Runs)
	}
}

// verifyError maps an error of truth's checks to verify's: an interrupted
// check (Ctrl-C, SIGTERM) and a failure of the work exit with 1,
// everything else (the workload, the interpreter, this system) with 2.
func verifyError(ctx context.Context, name string, err error) error {
	if ctx.Err() != nil {
		return interrupted(ctx, name, err)
	}
	var re *truth.RunError
	if errors.As(err, &re) {
		return fail(fmt.Errorf("verify %w", err))
	}
	return err
}

// interrupted turns err into the message of an interrupted verify when ctx
// was cancelled (Ctrl-C, SIGTERM); otherwise it returns err.
func interrupted(ctx context.Context, name string, err error) error {
	if ctx.Err() == nil {
		return err
	}
	return fail(fmt.Errorf("verify %s: interrupted; every Python process it started was stopped", oneLine(name)))
}

// verifyText writes the comparison: makespans, task end times, timelines.
func verifyText(w io.Writer, p *plan.Plan, py interpreter, repeat int, tol float64, n noise, checks []checked, opt report.Options) error {
	writeWrapped(w, fmt.Sprintf("verify %s · %s · %s · switch interval %s", oneLine(p.Workload.Name),
		numfmt.Count(p.Tasks(), "task", "tasks"), numfmt.Count(p.Cores, "core", "cores"), workload.FormatDuration(p.SwitchInterval)), opt.Width)
	writeWrapped(w, fmt.Sprintf("measured with %s, the median of %s per model%s", py, numfmt.Count(repeat, "run", "runs"), workRateText(n.workRate, n.rateLoad, n.gil)), opt.Width)
	if t := startsText(n.starts); t != "" {
		writeWrapped(w, t, opt.Width)
	}
	fmt.Fprintln(w)

	rows := [][]string{{"model", "predicted", "measured", "min–max", "error", ""}}
	for _, c := range checks {
		e, v := numfmt.SignedPercent(c.cmp.Makespan), verdictText(c.verdict, tol)
		if d := deadlockText(c.cmp); d != "" {
			// Where a run stopped in a deadlock is its watchdog's, not
			// the cycle's: the makespans are not compared.
			e, v = "deadlock", d
		}
		rows = append(rows, []string{c.model.String(), report.Seconds(c.predicted.Result.Makespan),
			report.Seconds(c.measured.Result.Makespan), spreadText(c.spread), e, v})
	}
	writeColumns(w, rows, []bool{false, true, true, true, true, false}, opt.Width)
	noiseText(w, n, checks, tol, opt.Width)
	compilerText(w, checks, opt.Width)

	fmt.Fprintln(w)
	fmt.Fprintln(w, "task end times")
	rows = [][]string{{"model", "task", "predicted", "measured", "error"}}
	var notes []string
	for _, c := range checks {
		tasks := c.cmp.Tasks
		if len(tasks) > shownTasks {
			worst := c.cmp.Worst(worstTasks)
			rest := c.cmp.Worst(worstTasks + 1)[worstTasks:]
			notes = append(notes, fmt.Sprintf("%s: the worst %d of %d tasks; the others are within ±%s",
				c.model, worstTasks, len(tasks), numfmt.ShortPercent(math.Abs(rest[0].Err))))
			tasks = worst
		}
		for _, t := range tasks {
			pred, meas, e := endText(t.Predicted), endText(t.Measured), numfmt.SignedPercent(t.Err)
			switch {
			case t.Predicted < 0 || t.Measured < 0:
				e = "" // a task a deadlock stopped has no end to compare
			case t.Missing:
				meas, e = "missing", ""
			}
			rows = append(rows, []string{c.model.String(), oneLine(t.Name), pred, meas, e})
		}
	}
	writeColumns(w, rows, []bool{false, false, true, true, true}, opt.Width)
	for _, n := range notes {
		writeWrapped(w, n, opt.Width)
	}

	for _, c := range checks {
		for _, side := range []struct {
			run  report.Run
			what string
		}{{c.predicted, "predicted"}, {c.measured, fmt.Sprintf("measured (the median of %s)", numfmt.Count(repeat, "run", "runs"))}} {
			fmt.Fprintln(w)
			r := *side.run.Result
			r.Model = c.model.String() + " · " + side.what
			run := report.Run{Result: &r, Spans: side.run.Spans}
			if err := report.Timeline(w, run, opt); err != nil {
				return err
			}
		}
	}
	return nil
}

// endText is a task's end time, or "never (deadlock)" for a task that a
// deadlock stopped (an end of -1).
func endText(end int64) string {
	if end < 0 {
		return "never (deadlock)"
	}
	return report.Seconds(end)
}

// deadlockText is the verdict on a model whose prediction or real run
// stopped in a deadlock, or "" when neither did.
func deadlockText(c truth.Comparison) string {
	switch {
	case c.DeadlockPredicted && c.DeadlockObserved:
		return "ok: both deadlocked"
	case c.DeadlockPredicted:
		return "beyond: predicted a deadlock, the real run finished"
	case c.DeadlockObserved:
		return "beyond: the real run deadlocked, none predicted"
	}
	return ""
}

// verifyJSON writes the SPEC §5 document of the predictions with, per
// model, "measured" (the same keys, medians) and "error".
func verifyJSON(w io.Writer, p *plan.Plan, py interpreter, repeat int, tol float64, n noise, checks []checked) error {
	type errorDoc struct {
		Makespan float64            `json:"makespan"`
		Tasks    map[string]float64 `json:"tasks"`
	}
	type result struct {
		report.Result
		Measured    report.Result `json:"measured"`
		Error       errorDoc      `json:"error"`
		Verdict     string        `json:"verdict"` // ok, beyond or inconclusive
		Spread      spreadDoc     `json:"spread"`  // of the runs the medians are over
		MachineBusy bool          `json:"machine_busy"`
		Runs        []runDoc      `json:"runs"` // every run made, in order
	}
	pred := make([]report.Run, len(checks))
	for i, c := range checks {
		pred[i] = c.predicted
	}
	predDoc, err := report.NewDocument(p.Header(), p.Workload, pred, true)
	if err != nil {
		return err
	}
	doc := struct {
		report.Header
		Python      string    `json:"python"`
		Repeat      int       `json:"repeat"`
		Tolerance   float64   `json:"tolerance"`
		NotMeasured []string  `json:"not_measured"`
		WorkRate    float64   `json:"work_rate,omitempty"` // iterations of work's loop per CPU second
		RateBusy    bool      `json:"work_rate_busy"`      // the machine was busy while it was measured
		LoadKnown   bool      `json:"load_known"`
		BusyLimits  limitsDoc `json:"busy_limits"`
		// WorkerStarts: the worker start-ups measured here and predicted
		// with, by constant (process_fork, …).
		WorkerStarts map[string]startDoc `json:"worker_starts,omitempty"`
		Results      []result            `json:"results"`
	}{predDoc.Header, py.version, repeat, tol, truth.NotMeasured, n.workRate, n.rateLoad.Busy, n.known,
		limitsDoc{n.limits.Others, n.limits.Steal, n.speed}, startsJSON(n.starts), nil}
	for i, c := range checks {
		e := errorDoc{Makespan: c.cmp.Makespan, Tasks: map[string]float64{}}
		for _, t := range c.cmp.Tasks {
			if !t.Missing {
				e.Tasks[t.Name] = t.Err
			}
		}
		doc.Results = append(doc.Results, result{predDoc.Results[i], report.ResultOf(p.Workload, c.measured.Result, true), e,
			c.verdict.String(), spreadJSON(c.spread), c.busy, runsJSON(c.runs)})
	}
	return report.WriteJSON(w, doc)
}

// suiteRow is one line of the suite's table.
type suiteRow struct {
	Workload    string    `json:"workload"`
	Model       string    `json:"model"`
	Runtime     string    `json:"runtime"`
	PredictedS  float64   `json:"predicted_s"`
	MeasuredS   float64   `json:"measured_s"`
	Error       float64   `json:"error"`
	Spread      spreadDoc `json:"spread"`
	MachineBusy bool      `json:"machine_busy"`
	OthersCores float64   `json:"others_cores"` // the most other processes used during a run counted
}

func runSuite(ctx context.Context, s *streams, o *verifyOptions) error {
	medianMax, err := percentFlag("--suite-median", o.suiteMedian)
	if err != nil {
		return err
	}
	worstMax, err := percentFlag("--suite-worst", o.suiteWorst)
	if err != nil {
		return err
	}
	rep, err := truth.Suite(ctx, truth.SuiteConfig{
		Python:             o.python,
		GILPython:          o.gilPython,
		ProfileWorkerCosts: o.profileWorkerCosts,
		Only:               o.only,
		Repeat:             o.repeat,
		Timeout:            o.timeout,
		Progress:           verifyProgress(s),
		Noise:              truth.NoiseConfig{Tolerance: medianMax},
		Resolve: func(sc truth.Scenario) (truth.Target, error) {
			opts, err := runnableOptions(ctx, sc, &o.runOptions)
			if err != nil {
				return truth.Target{}, err
			}
			p, err := newPlan(ctx, s, sc.Workload, sc.Text, opts)
			if err != nil {
				return truth.Target{}, err
			}
			return target(p), nil
		},
	})
	if err != nil {
		return verifyError(ctx, "--suite", err)
	}
	py := toolchainOr(rep.Toolchain, rep.Python)
	rows := make([]suiteRow, len(rep.Rows))
	for i, r := range rep.Rows {
		rows[i] = suiteRow{Workload: r.Workload, Model: r.Model, Runtime: r.Runtime, PredictedS: sec(r.Predicted), MeasuredS: sec(r.Measured), Error: r.Error,
			Spread: spreadJSON(r.Spread), MachineBusy: r.Busy, OthersCores: r.Others}
	}
	med, worst := rep.MedianAbsError, rep.WorstAbsError
	verdict := rep.Verdict(medianMax, worstMax)

	var buf bytes.Buffer
	if o.format == "json" {
		doc := struct {
			Python         string     `json:"python"`
			Cores          int        `json:"cores"`
			Repeat         int        `json:"repeat"`
			Rows           []suiteRow `json:"rows"`
			MedianAbsError float64    `json:"median_abs_error"`
			WorstAbsError  float64    `json:"worst_abs_error"`
			Verdict        string     `json:"verdict"`
			WorkRate       float64    `json:"work_rate,omitempty"`
			LoadKnown      bool       `json:"load_known"`
			BusyLimits     limitsDoc  `json:"busy_limits"`
			BusyRows       int        `json:"busy_rows"`
			QuietMedian    float64    `json:"quiet_median_abs_error"`
			QuietWorst     float64    `json:"quiet_worst_abs_error"`
			Skipped        []string   `json:"skipped,omitempty"`
			// WorkerStarts: the worker start-ups measured here and
			// predicted with, by constant (process_fork, …).
			WorkerStarts map[string]startDoc `json:"worker_starts,omitempty"`
		}{py.version, o.cores, o.repeat, rows, med, worst, verdict.String(), rep.WorkRate, rep.LoadKnown,
			limitsDoc{rep.Limits.Others, rep.Limits.Steal, truth.DefaultSpeed}, rep.Busy, rep.QuietMedian, rep.QuietWorst, rep.Skipped,
			startsJSON(rep.Starts)}
		if err := jsonout.WriteIndented(&buf, doc); err != nil {
			return fail(err)
		}
	} else {
		opt := s.textOptions(toFile(o.output), o.width)
		var runtimes []string
		for _, r := range rep.Rows {
			if !slices.Contains(runtimes, r.Runtime) {
				runtimes = append(runtimes, r.Runtime)
			}
		}
		writeWrapped(&buf, fmt.Sprintf("verify --suite · %s · runtime %s · %s · median of %s%s",
			py, strings.Join(runtimes, ", "), numfmt.Count(o.cores, "core", "cores"), numfmt.Count(o.repeat, "run", "runs"), workRateText(rep.WorkRate, rep.WorkRateLoad, rep.GILPython)), opt.Width)
		if t := startsText(rep.Starts); t != "" {
			writeWrapped(&buf, t, opt.Width)
		}
		fmt.Fprintln(&buf)
		table := [][]string{{"scenario", "model", "predicted", "measured", "min–max", "error", ""}}
		for _, r := range rep.Rows {
			busy := ""
			if r.Busy {
				busy = "busy"
			}
			table = append(table, []string{oneLine(r.Workload), r.Model, report.Seconds(r.Predicted),
				report.Seconds(r.Measured), spreadText(r.Spread), numfmt.SignedPercent(r.Error), busy})
		}
		writeColumns(&buf, table, []bool{false, false, true, true, true, true, false}, opt.Width)
		fmt.Fprintln(&buf)
		fmt.Fprintf(&buf, "median |error| %s (at most %s)   worst |error| %s (at most %s)   %s\n",
			numfmt.ShortPercent(med), numfmt.ShortPercent(medianMax), numfmt.ShortPercent(worst), numfmt.ShortPercent(worstMax),
			numfmt.Count(len(rows), "run of a model", "runs of a model"))
		writeWrapped(&buf, suiteNoiseText(rep), opt.Width)
		if len(rep.Skipped) > 0 {
			writeWrapped(&buf, fmt.Sprintf("left out, no model of theirs runs on %s: %s", strings.Join(runtimes, ", "),
				strings.Join(rep.Skipped, ", ")), opt.Width)
		}
	}
	if err := s.emit(ctx, o.output, buf.Bytes(), o.inputs(nil)...); err != nil {
		return err
	}
	switch verdict {
	case truth.Beyond:
		return fail(fmt.Errorf("suite: median |error| %s (at most %s), worst %s (at most %s)",
			numfmt.ShortPercent(med), numfmt.ShortPercent(medianMax), numfmt.ShortPercent(worst), numfmt.ShortPercent(worstMax)))
	case truth.Inconclusive:
		busy := numfmt.Count(rep.Busy, "row was", "rows were") + " measured while other processes used the cores, and the others pass"
		if rep.Busy == len(rep.Rows) {
			busy = "every row was measured while other processes used the cores"
		}
		return fail(fmt.Errorf("suite inconclusive, the machine was busy: median |error| %s (at most %s), worst %s (at most %s), but %s; run it again when the machine is quieter",
			numfmt.ShortPercent(med), numfmt.ShortPercent(medianMax), numfmt.ShortPercent(worst), numfmt.ShortPercent(worstMax), busy))
	}
	return nil
}

// runnableOptions returns the options to plan a scenario of the suite
// with: o itself, unless the runtime is java or go and -m names no model,
// when the scenario's models are cut to those the runtime's programs run
// (truth.RunnableModels), and truth.ErrNotRunnable when none is left.
func runnableOptions(ctx context.Context, sc truth.Scenario, o *runOptions) (*runOptions, error) {
	if len(o.models) > 0 || (o.runtime == "" && o.profile == "") {
		return o, nil
	}
	probe := *o
	probe.models = []string{"sync"} // every runtime runs it: the plan says which profile and cores
	p, err := plan.New(sc.Workload, sc.Text, probe.overrides())
	if err != nil {
		return o, nil // newPlan tells it
	}
	if lang, err := truth.LangOf(p.Profile); err != nil || lang == truth.Python {
		return o, nil
	}
	models, err := truth.RunnableModels(sc.Workload, p.Profile, p.Cores)
	if err != nil {
		return nil, err
	}
	if len(models) == 0 {
		return nil, truth.ErrNotRunnable
	}
	cut := *o
	cut.models = models
	return &cut, nil
}

// suiteNoiseText says how busy the machine was during the suite.
func suiteNoiseText(rep *truth.SuiteReport) string {
	switch {
	case !rep.LoadKnown:
		return "machine: how busy it was is unknown (this system has no /proc/stat)."
	case rep.Busy == 0:
		return "machine: quiet during every run counted."
	}
	return fmt.Sprintf("machine: busy during a run counted in %d of %d rows (other processes used more than %s of a core, or work ran off its measured speed by more than %s); without them, median |error| %s, worst %s.",
		rep.Busy, len(rep.Rows), machine.Cores(rep.Limits.Others), numfmt.ShortPercent(truth.DefaultSpeed),
		numfmt.ShortPercent(rep.QuietMedian), numfmt.ShortPercent(rep.QuietWorst))
}

// writeColumns writes rows (the first is the heading) as aligned columns,
// right-aligned where right says so, cut to width.
func writeColumns(w io.Writer, rows [][]string, right []bool, width int) {
	for _, line := range textsafe.Columns(rows, right, width) {
		fmt.Fprintln(w, line)
	}
}

// oneLine replaces control characters, so a name cannot break a line.
func oneLine(s string) string { return textsafe.Clean(s) }

package truth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/machine"
	"github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/internal/toolchain"
)

// Target is a workload resolved for a check: the runtime profile, cores,
// switch interval and models that both its prediction and its real runs
// use. It is the plan that conclab run would simulate.
type Target = plan.Plan

// RunError is an error of the work itself: a simulation, or a real run
// that failed, ran out of time or was interrupted. Check's other errors
// are about what it was given (the target, the interpreter, this system).
type RunError struct{ Err error }

// Error is the message of the error the work failed with.
func (e *RunError) Error() string { return e.Err.Error() }

// Unwrap returns the error the work failed with.
func (e *RunError) Unwrap() error { return e.Err }

// runErr wraps err, which is not nil, as a RunError.
func runErr(err error) error { return &RunError{err} }

// Lang is the language of the programs that put a runtime to the test.
type Lang string

// The languages of exported programs.
const (
	Python Lang = "python" // cpython, cpython-3.12, cpython-ft, …: Export
	Java   Lang = "java"   // java: ExportJava
	Go     Lang = "go"     // go: ExportGo
)

// LangOf returns the language of the programs that put prof to the test,
// by the profile's name (a calibrated profile keeps its runtime's).
func LangOf(prof runtime.Profile) (Lang, error) {
	switch {
	case prof.Name == "java":
		return Java, nil
	case prof.Name == "go":
		return Go, nil
	case prof.CPython():
		return Python, nil
	}
	return "", fmt.Errorf("runtime %s: export and verify know programs for the CPython runtimes (cpython, cpython-3.12, cpython-ft, …), java and go", prof.Name)
}

// CheckRuntime refuses a runtime profile that no exported program puts to
// the test (LangOf).
func CheckRuntime(prof runtime.Profile) error {
	_, err := LangOf(prof)
	return err
}

// ExportFor writes the program of lang that runs wl under d: Export,
// ExportJava or ExportGo.
func ExportFor(lang Lang, w io.Writer, wl *workload.Workload, d model.Deployment, opt ExportOptions) error {
	switch lang {
	case Java:
		return ExportJava(w, wl, d, opt)
	case Go:
		return ExportGo(w, wl, d, opt)
	}
	return Export(w, wl, d, opt)
}

// CanRun refuses, with an error wrapping errors.ErrUnsupported, a model
// whose program cannot run on this operating system; server says the
// program is a server for an open workload (NewServer's).
func CanRun(d model.Deployment, server bool) error {
	return canRun(d, server, goruntime.GOOS)
}

// canRun is CanRun on the operating system goos. Windows has no fork: it
// cannot start processes(N)'s workers with fork, nor the process pool the
// program gives every event loop (start_executors), nor a server's worker
// processes (os.fork after the bind, or gunicorn, which is Unix only).
func canRun(d model.Deployment, server bool, goos string) error {
	if goos != "windows" {
		return nil
	}
	var why string
	switch {
	case server && d.UsesProcesses():
		why = "its server forks its worker processes (os.fork, or gunicorn)"
	case d.UsesAsyncio():
		why = "the event loop's process pool starts its workers with fork"
	case d.Kind == model.Processes && d.Start != model.Spawn:
		why = "its workers start with " + d.Start.String() + " (start=spawn runs here)"
	default:
		return nil
	}
	return fmt.Errorf("%s cannot run on Windows, which has no fork: %s: %w", d, why, errors.ErrUnsupported)
}

// findInterpreter finds the interpreter path (python.Find) and checks
// that it can run what prof predicts (matchRuntime).
func findInterpreter(ctx context.Context, path string, prof runtime.Profile) (*python.Interpreter, error) {
	py, err := python.Find(ctx, path)
	if err != nil {
		return nil, err
	}
	return py, matchRuntime(py, prof)
}

// matchRuntime refuses an interpreter that does not run what prof
// predicts: a free-threaded one for a profile without the GIL
// (cpython-ft), one with the GIL otherwise, and one of another release
// than a versioned profile's (cpython-3.12; the aliases cpython and
// cpython-ft stand for any).
func matchRuntime(py *python.Interpreter, prof runtime.Profile) error {
	release := fmt.Sprintf("%d.%d", py.Version.Major, py.Version.Minor)
	want := strings.TrimSuffix(prof.Python, "t")
	switch {
	case want != "" && want != release && runtime.AliasOf(prof.Name) == "":
		return fmt.Errorf("runtime %s predicts CPython %s, but %s is CPython %s: give a CPython %s with --python, or leave --runtime out to use the profile of %s's release",
			prof.Name, want, py.Path, py.Version, want, py.Path)
	case !prof.GIL && !py.FreeThreaded:
		return fmt.Errorf("runtime %s predicts a free-threaded CPython, but %s runs with the GIL: give a free-threaded one (such as python3.13t) with --python, or use --runtime cpython",
			prof.Name, py)
	case prof.GIL && py.FreeThreaded:
		return fmt.Errorf("runtime %s predicts a CPython with the GIL, but %s is free-threaded: give one with the GIL with --python, or use --runtime cpython-ft",
			prof.Name, py)
	}
	return nil
}

// rateInterpreter is the interpreter whose speed `work` is measured in:
// the build with the GIL when there is one (withGIL), else py.
func rateInterpreter(py, gil *python.Interpreter) *python.Interpreter {
	if gil != nil {
		return gil
	}
	return py
}

// checkTarget refuses a target that cannot be checked here; python says
// the check runs Python programs only (a server of an open workload, the
// accuracy suite), what Python does.
func checkTarget(t Target, server bool, python string) error {
	lang, err := LangOf(t.Profile)
	if err != nil {
		return err
	}
	if python != "" && lang != Python {
		return fmt.Errorf("runtime %s: %s runs Python programs: give a CPython runtime (cpython, cpython-3.12, cpython-ft, …)", t.Profile.Name, python)
	}
	for _, d := range t.Models {
		if err := CanRun(d, server); err != nil {
			return err
		}
	}
	return nil
}

// Progress is said before each real run.
type Progress struct {
	Workload  string
	Model     model.Deployment
	Run, Runs int // this run, of how many (a run made again counts beyond Runs)
	// Again, for a run made again, is the earlier run that was busy and
	// how: "run 2: other processes used 0.9 of 2 cores".
	Again string
	// For an open workload: what serves it and how many requests it gets.
	Server   *Server
	Requests int
	// Measuring, said before the runs, is what of this machine is
	// measured first: "worker start-ups (process_fork)".
	Measuring string
}

// CheckConfig says how to check one closed workload.
type CheckConfig struct {
	Target
	Python string // the interpreter; python.Default when empty
	// Toolchain is the java or go command for runtime java or go (see
	// toolchain.Find); java or go on PATH when empty.
	Toolchain string
	Repeat    int // real runs per model (the measured figures are their medians); at least 1
	// Timeout stops a run; 0: max(30 s, 5 × the predicted makespan + 10 s).
	Timeout time.Duration
	// SpanTasks: the prediction and the median real run keep their spans,
	// for timelines, when the workload has at most this many tasks; 0:
	// never.
	SpanTasks int
	Progress  func(Progress) // may be nil
	// WorkRate is the programs' work rate (ExportOptions.WorkRate); 0:
	// measured once with MeasureWorkRate when a task has work (again,
	// keeping the best, while the machine is busy).
	WorkRate float64
	// GILPython, for a free-threaded interpreter and a profile that
	// slows Python code down, is a build with the GIL of its release: the
	// work rate is measured with it and the programs run that many
	// iterations (ExportOptions.FixedWork), so that what `work: D` means
	// is the same on both and the slowdown shows. "": python.FindWithGIL.
	GILPython string
	// ProfileWorkerCosts predicts with the built-in profile's worker start-ups
	// as they are; otherwise the ones the models make are measured here
	// first (StartCosts).
	ProfileWorkerCosts bool
	Noise              NoiseConfig

	gil *python.Interpreter // GILPython, found (withGIL)
}

// Report is what Check found.
type Report struct {
	Target
	Python *python.Interpreter // for the CPython runtimes; else nil
	// GILPython is the build with the GIL whose speed `work` ran at
	// (CheckConfig.GILPython), nil when work ran for its CPU time.
	GILPython *python.Interpreter
	// Toolchain is the java or go that ran the programs of runtime java or
	// go; else nil.
	Toolchain *toolchain.Toolchain
	Repeat    int
	WorkRate  float64 // the programs' work rate (0: no task has work)
	// Starts is what was measured of this machine's worker start-ups and
	// predicted with (Target.Profile has them); nil when nothing was.
	Starts *StartCosts
	// WorkRateLoad is how busy the machine was while the rate was measured
	// (not Known when it was given).
	WorkRateLoad Load
	// LoadKnown says whether this system said how busy it was; Limits are
	// what a busy run is beyond.
	LoadKnown bool
	Limits    machine.Limits
	Speed     float64      // how far off its measured speed work may run (NoiseConfig.Speed)
	Models    []ModelCheck // in the order of Target.Models
}

// ModelCheck is one model of a workload, predicted and measured.
type ModelCheck struct {
	Model      model.Deployment
	Predicted  report.Run
	Measured   report.Run // medians over the runs used (Median), with the spans of the median run
	Comparison Comparison
	Runs       []Run  // every real run, in the order made; Used marks those the medians are over
	Spread     Spread // of the runs used
	Busy       bool   // the machine was busy during a run used
}

// Beyond lists the models whose makespan is off by more than tol,
// measured on a quiet machine, or whose real run deadlocked where the
// prediction did not (or did not where it did) (Verdict Beyond).
func (r *Report) Beyond(tol float64) []ModelCheck { return r.verdicts(tol, Beyond) }

// Inconclusive lists the models whose makespan is off by more than tol
// with the machine busy during a run counted (Verdict Inconclusive).
func (r *Report) Inconclusive(tol float64) []ModelCheck { return r.verdicts(tol, Inconclusive) }

func (r *Report) verdicts(tol float64, v Verdict) []ModelCheck {
	var off []ModelCheck
	for _, c := range r.Models {
		if c.Verdict(tol) == v {
			off = append(off, c)
		}
	}
	return off
}

// Check puts a closed workload to the test: it simulates it under each
// model of cfg's target, runs the program Export writes for each model
// cfg.Repeat times with the interpreter (checked once, with python.Find)
// and compares the medians with the prediction. Before anything runs it
// refuses a target it cannot check: a profile that is not CPython's, an
// interpreter that does not match it, a model this system cannot run.
// Errors of the work itself (a simulation or a run that failed, timed out
// or was interrupted) are RunErrors.
//
// Runtime java and go run the programs of ExportJava and ExportGo with the
// toolchain (toolchain.Find), each compiled once per model before its runs.
func Check(ctx context.Context, cfg CheckConfig) (*Report, error) {
	if err := checkTarget(cfg.Target, false, ""); err != nil {
		return nil, err
	}
	if lang, _ := LangOf(cfg.Profile); lang != Python {
		tc, err := toolchain.Find(ctx, toolchain.Lang(lang), cfg.Toolchain)
		if err != nil {
			return nil, err
		}
		return check(ctx, cfg, nil, tc)
	}
	py, err := findInterpreter(ctx, cfg.Python, cfg.Profile)
	if err != nil {
		return nil, err
	}
	if cfg.gil, err = withGIL(ctx, cfg.GILPython, py, cfg.Profile); err != nil {
		return nil, err
	}
	return check(ctx, cfg, py, nil)
}

// withGIL finds the build with the GIL whose speed `work` means for a
// free-threaded py (CheckConfig.GILPython): nil when py has the GIL or
// the profile runs Python code at full speed (no slowdown to show).
func withGIL(ctx context.Context, path string, py *python.Interpreter, prof runtime.Profile) (*python.Interpreter, error) {
	if !py.FreeThreaded || prof.Slowdown == 1 {
		return nil, nil
	}
	if path == "" {
		return python.FindWithGIL(ctx, py)
	}
	gil, err := python.Find(ctx, path)
	if err != nil {
		return nil, err
	}
	if gil.FreeThreaded || gil.Version.Major != py.Version.Major || gil.Version.Minor != py.Version.Minor {
		return nil, fmt.Errorf("%w: --gil-python %s: want a CPython %d.%d with the GIL, the build whose speed work is measured in for %s",
			python.ErrNoPython, gil, py.Version.Major, py.Version.Minor, py)
	}
	return gil, nil
}

// check is Check with the interpreter, or the toolchain, found.
func check(ctx context.Context, cfg CheckConfig, py *python.Interpreter, tc *toolchain.Toolchain) (*Report, error) {
	t := cfg.Target
	if t.Workload.Arrivals != nil {
		return nil, fmt.Errorf("workload %s is open (arrivals): check it with CheckOpen", t.Workload.Name)
	}
	cfg.Repeat = max(cfg.Repeat, 1)
	tasks, err := Tasks(t.Workload)
	if err != nil {
		return nil, err
	}
	var starts *StartCosts
	if !cfg.ProfileWorkerCosts && py != nil {
		fields := startFields(t, tasks)
		if cfg.Progress != nil {
			if what := startsProgress(fields); what != "" {
				cfg.Progress(Progress{Workload: t.Workload.Name, Measuring: what})
			}
		}
		if t, starts, err = withStarts(ctx, t, fields, py.Path); err != nil {
			return nil, runErr(err)
		}
	}
	spans := cfg.SpanTasks > 0 && t.Workload.NumTasks() <= cfg.SpanTasks
	preds, err := predict(ctx, t, spans, true)
	if err != nil {
		return nil, err
	}
	w := newWatcher(cfg.Noise)
	r := &Report{Target: t, Python: py, GILPython: cfg.gil, Toolchain: tc, Repeat: cfg.Repeat, WorkRate: cfg.WorkRate, Starts: starts,
		Limits: w.Limits, Speed: w.Speed}
	if r.WorkRate <= 0 && py != nil { // Java and Go spin on the thread's CPU clock alone
		if hasWork(tasks) {
			if r.WorkRate, r.WorkRateLoad, err = w.workRate(ctx, rateInterpreter(py, cfg.gil).Path); err != nil {
				return nil, runErr(err)
			}
		}
	}
	rate := r.WorkRate
	for i, d := range t.Models {
		pred := preds[i]
		var prog bytes.Buffer
		opt := ExportOptions{Cores: t.Cores, SwitchInterval: t.SwitchInterval, WorkRate: rate, FixedWork: cfg.gil != nil && rate > 0}
		lang := Python
		if tc != nil {
			lang = Lang(tc.Lang)
		}
		if err := ExportFor(lang, &prog, t.Workload, d, opt); err != nil {
			return nil, err
		}
		measure := func(ctx context.Context, timeout time.Duration) (*Measurement, error) {
			return Measure(ctx, py.Path, prog.Bytes(), timeout)
		}
		if tc != nil {
			built, err := tc.Build(ctx, prog.Bytes(), "Program")
			if err != nil {
				return nil, runErr(fmt.Errorf("%s under %s: %w", t.Workload.Name, d, err))
			}
			defer built.Close()
			measure = func(ctx context.Context, timeout time.Duration) (*Measurement, error) {
				return measureBuilt(ctx, built, timeout)
			}
		}
		timeout := cfg.Timeout
		if timeout <= 0 {
			timeout = max(30*time.Second, 5*time.Duration(pred.Result.Makespan)+10*time.Second)
		}
		var runs []Run
		var results []*sim.Result
		var recs []*sim.Recorder
		for k := 1; more(runs, cfg.Repeat, w.Retries, w.Tolerance); k++ {
			again := ""
			if k > cfg.Repeat {
				again = busyRun(runs, w.Tolerance)
			}
			if cfg.Progress != nil {
				cfg.Progress(Progress{Workload: t.Workload.Name, Model: d, Run: k, Runs: cfg.Repeat, Again: again})
			}
			start, load, err := w.before(ctx, again != "")
			if err != nil {
				return nil, runErr(err)
			}
			m, err := measure(ctx, timeout)
			if err != nil {
				return nil, runErr(fmt.Errorf("%s under %s, run %d: %w", t.Workload.Name, d, k, err))
			}
			if len(m.Tasks) != len(pred.Result.Records) {
				return nil, runErr(fmt.Errorf("%s under %s: the program ran %d tasks, the simulation %d",
					t.Workload.Name, d, len(m.Tasks), len(pred.Result.Records)))
			}
			speed := workSpeed(tasks, m)
			if cfg.gil != nil {
				// Fixed work on a free-threaded build: its CPU time is the
				// duration times the profile's slowdown, when the slowdown is right.
				speed *= t.Profile.Slowdown
			}
			load = w.during(start, load, speed)
			res, rec := m.Result(d, t.Cores)
			results = append(results, res)
			recs = append(recs, rec)
			run := Run{Makespan: res.Makespan, Error: RelErr(pred.Result.Makespan, res.Makespan), Load: load}
			if m.CompilerCPU != nil {
				run.CompilerCPU, run.CompilerKnown = int64(math.Round(*m.CompilerCPU*1e9)), true
			}
			runs = append(runs, run)
		}
		used := choose(runs, cfg.Repeat)
		usedResults := make([]*sim.Result, len(used))
		for j, k := range used {
			usedResults[j] = results[k]
		}
		med, mid := Median(usedResults)
		meas := report.Run{Result: med}
		if pred.Spans != nil {
			meas.Spans = recs[used[mid]]
		}
		c := ModelCheck{Model: d, Predicted: pred, Measured: meas, Comparison: Compare(pred.Result, med), Runs: runs}
		c.Spread, c.Busy = spreadOf(runs)
		r.Models = append(r.Models, c)
	}
	r.LoadKnown = w.known
	return r, nil
}

// Why says in words what made l busy: "other processes used 0.9 of 2
// cores", "work ran at 0.80× its measured speed", or both.
func (l Load) Why() string {
	var why []string
	if l.Crowded {
		why = append(why, l.During.String())
	}
	if l.SlowWork {
		why = append(why, fmt.Sprintf("work ran at %.2f× its measured speed", l.WorkSpeed))
	}
	return strings.Join(why, ", and ")
}

// busyRun says which of runs was busy, and how, for a run made again:
// the last busy one beyond tol (any, when tol is 0).
func busyRun(runs []Run, tol float64) string {
	for k := len(runs) - 1; k >= 0; k-- {
		if l := runs[k].Load; l.Busy && (tol <= 0 || math.Abs(runs[k].Error) > tol) {
			return fmt.Sprintf("run %d: %s", k+1, l.Why())
		}
	}
	return ""
}

// predict simulates t under each of its models, keeping each run's spans
// when spans is set (a run with more than report.MaxSpans is refused: the
// timelines of a check need every span) and its task records when records
// is.
func predict(ctx context.Context, t Target, spans, records bool) ([]report.Run, error) {
	o := plan.Options{Records: records, Spans: spans}
	runs, err := t.Simulate(ctx, o)
	if err != nil {
		return nil, runErr(fmt.Errorf("%s: %w", t.Workload.Name, err))
	}
	for i, r := range runs {
		if t.SpansDropped(r, o) {
			return nil, fmt.Errorf("%s under %s makes more than %d spans, more than verify keeps for its timelines (conclab run's text, svg and html formats draw any run)",
				t.Workload.Name, t.Models[i], report.MaxSpans)
		}
	}
	return runs, nil
}

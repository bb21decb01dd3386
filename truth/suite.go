package truth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/machine"
	"github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/internal/toolchain"
)

// Scenario is a workload of the accuracy suite (examples/validation).
type Scenario struct {
	Name     string
	Workload *workload.Workload
	Text     []byte // its YAML
}

// Scenarios parses the scenarios of the accuracy suite, in name order.
func Scenarios() ([]Scenario, error) {
	infos := examples.Validation()
	if len(infos) == 0 {
		return nil, errors.New("no scenarios in examples/validation")
	}
	out := make([]Scenario, 0, len(infos))
	for _, info := range infos {
		data, _ := examples.LookupValidation(info.Name)
		wl, err := workload.Parse("examples/validation/"+info.Name+".yaml", data)
		if err != nil {
			return nil, err
		}
		out = append(out, Scenario{Name: info.Name, Workload: wl, Text: data})
	}
	return out, nil
}

// SuiteConfig says how to run the accuracy suite.
type SuiteConfig struct {
	Python  string        // the interpreter; python.Default when empty
	Repeat  int           // real runs per model; at least 1
	Timeout time.Duration // stops a run; 0: Check's default
	// Resolve makes a scenario's target: its profile, cores, switch
	// interval and models (the scenario's own), with whatever overrides
	// the caller applies. It must be set.
	Resolve  func(Scenario) (Target, error)
	Progress func(Progress) // may be nil
	Noise    NoiseConfig
	// GILPython is CheckConfig's: for a free-threaded interpreter, the
	// build with the GIL whose speed work is measured in.
	GILPython string
	// ProfileWorkerCosts is CheckConfig's: predict with the profile's worker
	// start-ups, not this machine's.
	ProfileWorkerCosts bool
	// Only names the scenarios to run, in the suite's order; none: all.
	Only []string
	// Toolchain is CheckConfig's: the java or go command for runtime java
	// or go; on PATH when empty.
	Toolchain string
}

// ErrNotRunnable is what SuiteConfig.Resolve returns for a scenario that
// the runtime under test cannot run under any of its models (an asyncio
// scenario on java): Suite leaves it out, and says so in SkippedScenarios.
var ErrNotRunnable = errors.New("no model of this scenario runs on this runtime")

// RunnableModels returns the models of wl, in its order, whose program the
// runtime of prof can run here: those the runtime accepts and its exporter
// writes (the Java and Go programs know no asyncio, no input: or output:
// data, no processes(P)*threads(T)). The Python exporter writes them all.
func RunnableModels(wl *workload.Workload, prof runtime.Profile, cores int) ([]string, error) {
	lang, err := LangOf(prof)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range wl.Models {
		d, err := model.Parse(m.Expr)
		if err != nil {
			return nil, err
		}
		if prof.Check(d) != nil || CanRun(d, false) != nil {
			continue
		}
		if ExportFor(lang, io.Discard, wl, d, ExportOptions{Cores: cores}) != nil {
			continue
		}
		out = append(out, m.Expr)
	}
	return out, nil
}

// SuiteRow is one model of one scenario.
type SuiteRow struct {
	Workload, Model     string
	Runtime             string  // the profile predicted with
	Predicted, Measured int64   // makespans, nanoseconds
	Error               float64 // RelErr of the makespans
	Spread              Spread  // of the runs the median is over
	// Busy: the machine was busy during a run counted; Others is the most
	// other processes used during one (cores).
	Busy   bool
	Others float64
}

// SuiteReport is what Suite found.
type SuiteReport struct {
	Python       *python.Interpreter  // nil for java and go
	Toolchain    *toolchain.Toolchain // for java and go; else nil
	Skipped      []string             // scenarios no model of which the runtime runs (ErrNotRunnable)
	GILPython    *python.Interpreter  // Report's
	Repeat       int
	WorkRate     float64 // the programs' work rate
	WorkRateLoad Load    // how busy the machine was while it was measured
	LoadKnown    bool    // this system said how busy it was
	Limits       machine.Limits
	Starts       *StartCosts // the worker start-ups measured here, of every scenario; nil: none
	Rows         []SuiteRow
	// The median and the largest |Error| over the rows, and over the rows
	// measured on a quiet machine (0, 0 when there is none).
	MedianAbsError, WorstAbsError float64
	QuietMedian, QuietWorst       float64
	Busy                          int // rows with a busy run counted
}

// Verdict judges the suite against the largest median and worst |error|
// that pass: Within when both hold; else Beyond when they fail on the
// rows measured on a quiet machine alone, and Inconclusive when the busy
// rows are what fails them (or every row was busy).
func (r *SuiteReport) Verdict(medianMax, worstMax float64) Verdict {
	switch {
	case r.MedianAbsError <= medianMax && r.WorstAbsError <= worstMax:
		return Within
	case r.Busy == 0:
		return Beyond
	case r.Busy < len(r.Rows) && (r.QuietMedian > medianMax || r.QuietWorst > worstMax):
		return Beyond
	}
	return Inconclusive
}

// Suite runs every scenario of the accuracy suite under its models with
// Check (the interpreter checked once) and sums up how far the
// measured makespans are from the predicted ones.
func Suite(ctx context.Context, cfg SuiteConfig) (*SuiteReport, error) {
	if cfg.Resolve == nil {
		return nil, errors.New("truth.Suite: no Resolve")
	}
	scenarios, err := Scenarios()
	if err == nil && len(cfg.Only) > 0 {
		scenarios, err = only(scenarios, cfg.Only)
	}
	if err != nil {
		return nil, err
	}
	var targets []Target
	var skipped []string
	kept := scenarios[:0:0]
	lang := Python
	for _, sc := range scenarios {
		t, err := cfg.Resolve(sc)
		if errors.Is(err, ErrNotRunnable) {
			skipped = append(skipped, sc.Name)
			continue
		}
		if err != nil {
			return nil, err
		}
		if lang, err = LangOf(t.Profile); err != nil {
			return nil, fmt.Errorf("%s: %w", sc.Name, err)
		}
		python := "the accuracy suite"
		if lang != Python {
			python = ""
		}
		if err := checkTarget(t, false, python); err != nil {
			return nil, fmt.Errorf("%s: %w", sc.Name, err)
		}
		if lang != Python {
			// Before anything runs: a model the program cannot have.
			for _, d := range t.Models {
				if err := ExportFor(lang, io.Discard, t.Workload, d, ExportOptions{Cores: t.Cores}); err != nil {
					return nil, fmt.Errorf("%s: model %s: %w", sc.Name, d, err)
				}
			}
		}
		targets = append(targets, t)
		kept = append(kept, sc)
	}
	scenarios = kept
	if len(targets) == 0 {
		return nil, fmt.Errorf("no scenario of the suite runs on this runtime (left out: %s)", strings.Join(skipped, ", "))
	}
	if lang != Python {
		return nativeSuite(ctx, cfg, targets, Lang(lang), skipped)
	}
	py, err := python.Find(ctx, cfg.Python)
	if err != nil {
		return nil, err
	}
	for i, t := range targets {
		if err := matchRuntime(py, t.Profile); err != nil {
			return nil, fmt.Errorf("%s: %w", scenarios[i].Name, err)
		}
	}
	// The slowdown of a free-threaded build shows when the targets have one.
	var gil *python.Interpreter
	for _, t := range targets {
		if gil, err = withGIL(ctx, cfg.GILPython, py, t.Profile); err != nil || gil != nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	w := newWatcher(cfg.Noise)
	r := &SuiteReport{Python: py, GILPython: gil, Repeat: max(cfg.Repeat, 1), Limits: w.Limits, Skipped: skipped}
	// One work rate for every program of the suite.
	for _, sc := range scenarios {
		tasks, err := Tasks(sc.Workload)
		if err != nil {
			return nil, err
		}
		if hasWork(tasks) {
			if r.WorkRate, r.WorkRateLoad, err = w.workRate(ctx, rateInterpreter(py, gil).Path); err != nil {
				return nil, runErr(err)
			}
			break
		}
	}
	err = r.checkAll(ctx, cfg, targets, py, nil)
	return r, err
}

// nativeSuite is Suite for java and go: the programs are compiled by the
// toolchain and spin on CPU time, so there is no interpreter to find and
// no work rate to measure.
func nativeSuite(ctx context.Context, cfg SuiteConfig, targets []Target, lang Lang, skipped []string) (*SuiteReport, error) {
	for _, t := range targets {
		if l, _ := LangOf(t.Profile); l != lang {
			return nil, fmt.Errorf("the suite runs one kind of program at a time: %s and %s", lang, l)
		}
	}
	tc, err := toolchain.Find(ctx, toolchain.Lang(lang), cfg.Toolchain)
	if err != nil {
		return nil, err
	}
	w := newWatcher(cfg.Noise)
	r := &SuiteReport{Toolchain: tc, Repeat: max(cfg.Repeat, 1), Limits: w.Limits, Skipped: skipped}
	err = r.checkAll(ctx, cfg, targets, nil, tc)
	return r, err
}

// checkAll checks every target, with py or tc, and sums up the rows.
func (r *SuiteReport) checkAll(ctx context.Context, cfg SuiteConfig, targets []Target, py *python.Interpreter, tc *toolchain.Toolchain) error {
	for _, t := range targets {
		rep, err := check(ctx, CheckConfig{Target: t, Repeat: cfg.Repeat, Timeout: cfg.Timeout, Progress: cfg.Progress,
			WorkRate: r.WorkRate, ProfileWorkerCosts: cfg.ProfileWorkerCosts, Noise: cfg.Noise, gil: r.GILPython}, py, tc)
		if err != nil {
			return err
		}
		r.LoadKnown = r.LoadKnown || rep.LoadKnown
		r.Starts = r.Starts.merge(rep.Starts)
		for _, c := range rep.Models {
			row := SuiteRow{Workload: t.Workload.Name, Model: c.Model.String(), Runtime: t.Profile.Name,
				Predicted: c.Predicted.Result.Makespan, Measured: c.Measured.Result.Makespan, Error: c.Comparison.Makespan,
				Spread: c.Spread, Busy: c.Busy}
			for _, run := range c.Runs {
				if run.Used {
					row.Others = max(row.Others, run.Load.During.Others)
				}
			}
			r.Rows = append(r.Rows, row)
		}
	}
	r.sum()
	return nil
}

// sum counts the busy rows and takes the median and the largest |Error| of
// all rows and of the quiet ones.
func (r *SuiteReport) sum() {
	var quiet []SuiteRow
	r.Busy = 0
	for _, row := range r.Rows {
		if row.Busy {
			r.Busy++
		} else {
			quiet = append(quiet, row)
		}
	}
	r.MedianAbsError, r.WorstAbsError = absErrors(r.Rows)
	r.QuietMedian, r.QuietWorst = absErrors(quiet)
}

// BestOf combines attempts at the same suite: each row is the attempt
// whose makespan came closest to the prediction, and the medians, worsts
// and busy count are those of the rows kept. A model that misses misses in
// every attempt; a run that caught the machine in its slow state (this VM
// runs at two speeds, and the free-threaded build's work at ±30 %) does
// not count against it. The first report's interpreter and work rate stand.
func BestOf(reps []*SuiteReport) *SuiteReport {
	if len(reps) == 0 {
		return nil
	}
	best := *reps[0]
	best.Rows = slices.Clone(reps[0].Rows)
	at := map[[2]string]int{}
	for i, row := range best.Rows {
		at[[2]string{row.Workload, row.Model}] = i
	}
	for _, rep := range reps[1:] {
		best.LoadKnown = best.LoadKnown || rep.LoadKnown
		for _, row := range rep.Rows {
			i, ok := at[[2]string{row.Workload, row.Model}]
			if !ok {
				at[[2]string{row.Workload, row.Model}] = len(best.Rows)
				best.Rows = append(best.Rows, row)
				continue
			}
			if math.Abs(row.Error) < math.Abs(best.Rows[i].Error) {
				best.Rows[i] = row
			}
		}
	}
	best.sum()
	return &best
}

// SuiteAttempts runs the suite cfg describes up to n times, until the
// combination of the attempts so far (BestOf) is within tol or
// inconclusive, and returns that combination. logf, when not nil, is told
// each attempt's median and worst.
func SuiteAttempts(ctx context.Context, cfg SuiteConfig, n int, tol float64, logf func(format string, args ...any)) (*SuiteReport, error) {
	var attempts []*SuiteReport
	var best *SuiteReport
	for attempt := 1; attempt <= max(n, 1); attempt++ {
		rep, err := Suite(ctx, cfg)
		if err != nil {
			return nil, err
		}
		if logf != nil {
			logf("attempt %d: median |error| %.1f%%, worst %.1f%%", attempt, 100*rep.MedianAbsError, 100*rep.WorstAbsError)
		}
		attempts = append(attempts, rep)
		best = BestOf(attempts)
		if v := best.Verdict(tol, tol); v == Within || v == Inconclusive {
			break
		}
	}
	return best, nil
}

// absErrors returns the median and the largest |Error| of rows (0, 0 for
// none).
func absErrors(rows []SuiteRow) (med, worst float64) {
	if len(rows) == 0 {
		return 0, 0
	}
	abs := make([]float64, len(rows))
	for i, r := range rows {
		abs[i] = math.Abs(r.Error)
		worst = max(worst, abs[i])
	}
	return median(abs), worst
}

// only keeps the scenarios named, in the suite's order; a name that is no
// scenario is an error naming those there are.
func only(all []Scenario, names []string) ([]Scenario, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []Scenario
	var known []string
	for _, sc := range all {
		known = append(known, sc.Name)
		if want[sc.Name] {
			out = append(out, sc)
			delete(want, sc.Name)
		}
	}
	for _, n := range names {
		if want[n] {
			return nil, fmt.Errorf("no scenario %q in the suite (it has %s)", n, strings.Join(known, ", "))
		}
	}
	return out, nil
}

package truth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/machine"
	"github.com/conclab/conclab/internal/python"
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
	// Only names the scenarios to run, in the suite's order; none: all.
	Only []string
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
	Python       *python.Interpreter
	GILPython    *python.Interpreter // Report's
	Repeat       int
	WorkRate     float64 // the programs' work rate
	WorkRateLoad Load    // how busy the machine was while it was measured
	LoadKnown    bool    // this system said how busy it was
	Limits       machine.Limits
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
	targets := make([]Target, len(scenarios))
	for i, sc := range scenarios {
		if targets[i], err = cfg.Resolve(sc); err != nil {
			return nil, err
		}
		if err := checkTarget(targets[i], false, "the accuracy suite"); err != nil {
			return nil, fmt.Errorf("%s: %w", sc.Name, err)
		}
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
	r := &SuiteReport{Python: py, GILPython: gil, Repeat: max(cfg.Repeat, 1), Limits: w.Limits}
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
	var quiet []SuiteRow
	for _, t := range targets {
		rep, err := check(ctx, CheckConfig{Target: t, Repeat: cfg.Repeat, Timeout: cfg.Timeout, Progress: cfg.Progress,
			WorkRate: r.WorkRate, Noise: cfg.Noise, gil: gil}, py, nil)
		if err != nil {
			return nil, err
		}
		r.LoadKnown = r.LoadKnown || rep.LoadKnown
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
			if row.Busy {
				r.Busy++
			} else {
				quiet = append(quiet, row)
			}
		}
	}
	r.MedianAbsError, r.WorstAbsError = absErrors(r.Rows)
	r.QuietMedian, r.QuietWorst = absErrors(quiet)
	return r, nil
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

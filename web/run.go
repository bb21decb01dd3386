package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conclab/conclab/advise"
	"github.com/conclab/conclab/explain"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/jsonout"
	"github.com/conclab/conclab/internal/numfmt"
)

// Limits of what one request may ask. They keep a page responsive and a
// server on a laptop safe from a workload pasted by mistake.
const (
	// MaxBodyBytes is the largest request body accepted (413 beyond).
	MaxBodyBytes = 256 << 10
	// MaxModels is the most models one run may compare.
	MaxModels = 8
	// MaxTasks is the most tasks a workload may have (422 beyond); for an
	// open workload given by a time window, the expected number of arrivals.
	MaxTasks = 200_000
	// MaxSteps is the most steps one model may execute, as
	// workload.Workload.Steps estimates them (422 beyond): the engine's
	// work grows with it. conclab run allows far more.
	MaxSteps = 4_000_000
	// MaxSpanTasks is the most tasks whose timeline is drawn; beyond it
	// the run is simulated without spans and the answer says why.
	MaxSpanTasks = plan.MaxSpanTasks
	// MaxSpanSteps is the most steps (as MaxSteps counts them) whose
	// timeline is drawn: each step makes a few spans.
	MaxSpanSteps = 200_000
	// MaxRecordedSpans is the most spans kept while one model runs; a run
	// that makes more (threads taking turns on the GIL for hours of CPU
	// work) is answered without a timeline.
	MaxRecordedSpans = report.MaxSpans
	// MaxRecordTasks is the most tasks listed in the JSON task list, as
	// for `conclab run` (SPEC §5).
	MaxRecordTasks = report.MaxListedTasks
	// MaxRuns is the most requests parsed and simulated at once (fewer on
	// a machine with fewer CPUs); the others wait their turn, 503 after
	// RunTimeout. Each uses all CPUs for its models, and parsing a workload
	// of MaxBodyBytes takes about 55 MB, so this bounds the memory.
	MaxRuns = 4
	// RunTimeout bounds one request's wait for its turn, the parse of its
	// workload and its simulations.
	RunTimeout = 10 * time.Second
)

// WorkloadRequest is what every request that simulates gives: the
// workload and what overrides it. RunRequest, AdviseRequest,
// SweepRequest and WhatifRequest embed it.
type WorkloadRequest struct {
	// YAML is the workload, in the format of SPEC §1.
	YAML string `json:"yaml"`
	// Name names the workload when its YAML has no name: (the page sends
	// the example's).
	Name string `json:"name,omitempty"`
	// Runtime overrides the workload's runtime: cpython, cpython-ft, java
	// or go.
	Runtime string `json:"runtime,omitempty"`
	// Cores overrides the workload's cores; 0 means the workload's, else
	// this machine's logical CPUs.
	Cores int `json:"cores,omitempty"`
	// SwitchInterval overrides the workload's GIL switch interval, as a
	// duration such as "1ms" (`conclab run --switch-interval`); empty
	// means the workload's, else workload.DefaultSwitchInterval.
	SwitchInterval string `json:"switch_interval,omitempty"`
}

// RunRequest is the body of POST /api/run.
type RunRequest struct {
	WorkloadRequest
	// Models are model expressions; empty means the workload's models:,
	// else the four kinds sync, threads, asyncio and processes.
	Models []string `json:"models,omitempty"`
	// Spans asks for each result's timeline (rows and spans) and narration.
	Spans bool `json:"spans,omitempty"`
	// NoTasks leaves the per-task list out, as `conclab run --no-tasks`.
	NoTasks bool `json:"no_tasks,omitempty"`
	// Format asks for the run as a file in one of the formats of `conclab
	// run --format` (Formats) instead of the page's answer: "json", the
	// document of SPEC §5, "html", the report, "svg", the timelines, or
	// "trace", the Trace Event Format. Spans is then ignored.
	Format string `json:"format,omitempty"`
}

// apiError is an answer other than 200, written as
// {"error": "...", "line": L, "col": C, "field": "...", "model": I}.
type apiError struct {
	status int
	Msg    string `json:"error"`
	Line   int    `json:"line,omitempty"`
	Col    int    `json:"col,omitempty"`
	// Field names the request field at fault: yaml, name, models,
	// runtime, cores, switch_interval or body.
	Field string `json:"field,omitempty"`
	// Model is the index in the request's models of a bad model.
	Model *int `json:"model,omitempty"`
}

func (e *apiError) Error() string { return e.Msg }

func badRequest(field, format string, args ...any) *apiError {
	return &apiError{status: 400, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func tooBig(format string, args ...any) *apiError {
	return &apiError{status: 422, Msg: fmt.Sprintf(format, args...)}
}

// run is a request's plan and what the page asked of it.
type run struct {
	*plan.Plan
	steps int64              // steps per model, repeats unrolled
	hook  func(point string) // the server's test hook
}

// newRun parses and checks everything a request says before anything
// runs: the workload, the runtime, the cores, the switch interval and
// every model (plan.New), then the page's limits.
func newRun(req *RunRequest) (*run, error) {
	if _, ok := formats[req.Format]; !ok && req.Format != "" {
		return nil, badRequest("format", "format %q: want %s, or none for the page's answer", req.Format, formatList())
	}
	p, err := newPlan(&req.WorkloadRequest, req.Models, false)
	if err != nil {
		return nil, err
	}
	if len(p.Models) > MaxModels {
		return nil, badRequest("models", "%d models: compare at most %d at once", len(p.Models), MaxModels)
	}
	if err := checkTasks(p.Tasks()); err != nil {
		return nil, err
	}
	return &run{Plan: p, steps: p.Steps(p.Workload)}, nil
}

// checkTasks refuses a workload of more than MaxTasks tasks.
func checkTasks(n int) error {
	if n > MaxTasks {
		return tooBig("%s tasks: the page simulates at most %s (run it with `conclab run`, which has no such limit)",
			numfmt.Thousands(n), numfmt.Thousands(MaxTasks))
	}
	return nil
}

// newPlan parses the workload of req and resolves what req says over it
// (plan.New), each mistake an *apiError that names its field: models
// are the request's model expressions (an error names the index among
// them), none meaning the workload's; noModels leaves the plan without
// models, for advise and sweep, which choose their own.
func newPlan(req *WorkloadRequest, models []string, noModels bool) (*plan.Plan, error) {
	if strings.TrimSpace(req.YAML) == "" {
		return nil, badRequest("yaml", "empty workload: give the YAML of a workload (see GET /api/examples)")
	}
	// The workload's name defaults to its file's name: the one the
	// request gives, else "workload".
	file := "workload.yaml"
	if n := strings.TrimSpace(req.Name); n != "" {
		if err := workload.CheckName(n); err != nil {
			return nil, badRequest("name", "%v", err)
		}
		if !strings.ContainsAny(n, `/\`) {
			file = n + ".yaml"
		}
	}
	wl, err := workload.Parse(file, []byte(req.YAML))
	if err != nil {
		var we *workload.Error
		if errors.As(err, &we) {
			return nil, &apiError{status: 400, Field: "yaml", Msg: we.Msg, Line: we.Line, Col: we.Col}
		}
		return nil, badRequest("yaml", "%v", err)
	}

	o := plan.Overrides{Runtime: req.Runtime, Cores: req.Cores, MaxSteps: MaxSteps, NoModels: noModels}
	if v := strings.TrimSpace(req.SwitchInterval); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, badRequest("switch_interval", "switch_interval %q: want a positive duration such as 5ms", req.SwitchInterval)
		}
		o.SwitchInterval = d
	}
	// Empty model fields are left out; an error names the request's index.
	var index []int
	for i, expr := range models {
		if expr = strings.TrimSpace(expr); expr != "" {
			o.Models = append(o.Models, expr)
			index = append(index, i)
		}
	}
	p, err := plan.New(wl, []byte(req.YAML), o)
	if err != nil {
		return nil, planError(err, index)
	}
	return p, nil
}

// planError is the *apiError of a mistake plan found; index maps the
// plan's models to the request's.
func planError(err error, index []int) error {
	var pe *plan.Error
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Field {
	case plan.FieldMaxSteps:
		return tooBig("about %s steps per model (tasks × steps with repeats unrolled, and the GIL hand-overs of threads computing together): the page simulates at most %s (run it with `conclab run`)",
			numfmt.Thousands(pe.Steps), numfmt.Thousands(MaxSteps))
	case plan.FieldWorkload:
		return &apiError{status: 400, Field: "yaml", Msg: pe.Msg, Line: pe.Line, Col: pe.Col}
	case plan.FieldModels:
		e := badRequest("models", "%s", pe.Msg)
		if pe.Index >= 0 && pe.Index < len(index) {
			e.Model = &index[pe.Index]
		}
		return e
	}
	return badRequest(string(pe.Field), "%s", pe.Msg)
}

// modelsFrom names where the models came from, for the answer.
func (r *run) modelsFrom() string {
	if r.ModelsFrom == plan.ModelsGiven {
		return "request"
	}
	return string(r.ModelsFrom)
}

// outcome is one model's run: what report needs, and why there are no
// spans when there are none, as a phrase ("20,001 tasks, more than the
// 20,000 whose spans the page keeps").
type outcome struct {
	run     report.Run
	noSpans string
}

// simulate runs the plan under each model, the models side by side on
// the machine's cores. spans asks for each run's timeline and narration;
// spans are kept only within the limits. fold, when set, folds a run that
// makes more spans than are kept (plan.Options.Fold).
func (r *run) simulate(ctx context.Context, spans bool, fold func(*sim.Result, *report.SpanLimit, int64) (int64, int)) ([]outcome, error) {
	var why string
	switch n := r.Tasks(); {
	case !spans:
	case n > MaxSpanTasks:
		why = fmt.Sprintf("%s tasks, more than the %s whose spans the page keeps", numfmt.Thousands(n), numfmt.Thousands(MaxSpanTasks))
	case r.steps > MaxSpanSteps:
		why = fmt.Sprintf("about %s steps, more than the %s whose spans the page keeps", numfmt.Thousands(r.steps), numfmt.Thousands(MaxSpanSteps))
	}
	o := plan.Options{
		Records: true,
		Spans:   spans && why == "",
		Fold:    fold,
		Start:   r.start,
	}
	runs, err := r.Simulate(ctx, o)
	if err != nil {
		return nil, simulationError(ctx, r.Workload.Name, err)
	}
	out := make([]outcome, len(runs))
	for i, run := range runs {
		out[i] = outcome{run: run, noSpans: why}
		if r.SpansDropped(run, o) {
			out[i].noSpans = fmt.Sprintf("more than the %s spans the page keeps of a run", numfmt.Thousands(MaxRecordedSpans))
		}
	}
	return out, nil
}

// start is called in each simulation's goroutine before it runs. net/http
// recovers only the handler's own goroutine: a panic in a simulation's is
// caught where it happens, to say where.
func (r *run) start(int) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = caught(v)
		}
	}()
	if r.hook != nil {
		r.hook("simulate")
	}
	return nil
}

// simulationError is what a request answers when simulations of the
// workload called name failed with err under ctx.
func simulationError(ctx context.Context, name string, err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return tooBig("%s: the simulation needs more than %s of computing here; make the workload smaller or run it with `conclab run`",
			name, RunTimeout)
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return err
}

// runDoc is the answer to a run: the document of `conclab run --format
// json` (report.Document) with "models_from", "best", and "states" and
// "causes" when spans were asked for, and more per result.
type runDoc struct {
	report.Header
	ModelsFrom string      `json:"models_from"`
	Best       best        `json:"best"`
	States     []string    `json:"states,omitempty"`
	Causes     []string    `json:"causes,omitempty"`
	Results    []runResult `json:"results"`
}

// best says which results rank first, as advise ranks (advise.Leaders):
// by the makespan of a batch, by the p99 latency of an open workload
// among the results not overloaded; results within a tie of the best
// lead too.
type best struct {
	// By is "makespan" or "p99".
	By string `json:"by"`
	// Within is the tie, as a fraction: 0.05 counts results within 5 %
	// of the best as equal to it.
	Within float64 `json:"within"`
	// Results are the indexes of the results that lead: one, several
	// that tie, all of them, or none when every one is overloaded.
	Results []int `json:"results"`
}

// runResult is a report.Result with the summary row and, when spans were
// asked for, the timeline and the narration.
type runResult struct {
	report.Result
	Summary   summary         `json:"summary"`
	Timeline  *timeline       `json:"timeline,omitempty"`
	Narration []narrationLine `json:"narration,omitzero"`
}

// runJSON answers a run's outcomes.
func runJSON(r *run, outs []outcome, spans, withTasks bool) ([]byte, error) {
	runs := make([]report.Run, len(outs))
	results := make([]*sim.Result, len(outs))
	for i, o := range outs {
		runs[i], results[i] = o.run, o.run.Result
	}
	doc, err := report.NewDocument(r.Header(), r.Workload, runs, withTasks)
	if err != nil {
		return nil, err
	}
	ans := runDoc{Header: doc.Header, ModelsFrom: r.modelsFrom(), Results: make([]runResult, len(outs)),
		Best: best{By: "makespan", Within: advise.Equal, Results: advise.Leaders(r.Workload, results)}}
	if r.Workload.Arrivals != nil {
		ans.Best.By = "p99"
	}
	if ans.Best.Results == nil {
		ans.Best.Results = []int{}
	}
	if spans {
		ans.States, ans.Causes = stateNames(), causeWords()
	}
	for i, o := range outs {
		res := runResult{Result: doc.Results[i], Summary: summaryOf(r.Workload, o.run.Result)}
		if spans {
			tl := timelineOf(o.run, o.noSpans)
			res.Timeline = &tl
			res.Narration = narrationOf(r.Workload, o.run)
		}
		ans.Results[i] = res
	}
	var b bytes.Buffer
	if err := jsonout.Write(&b, ans); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// narrationLine is one sentence of explain's story of a run.
type narrationLine struct {
	AtS   float64 `json:"at_s"`
	Text  string  `json:"text"`
	Warn  bool    `json:"warn,omitempty"`
	Count int     `json:"count,omitempty"`
}

// narrationOf tells a run as explain does; without spans only its summary
// is left.
func narrationOf(wl *workload.Workload, run report.Run) []narrationLine {
	lines := explain.Narrate(wl, run.Result, run.Spans)
	out := make([]narrationLine, len(lines))
	for i, l := range lines {
		out[i] = narrationLine{AtS: float64(l.At) / 1e9, Text: l.Text, Warn: l.Warn, Count: l.Count}
	}
	return out
}

// summary is a result's row of the summary table, formatted as report
// formats it (report.TableCells), so the page and the terminal agree to
// the digit; for an open workload, with the rate served of the rate
// offered and whether the run could not keep up (advise.Overloaded, the
// rule report and advise apply).
type summary struct {
	// Cells are the row, in the order of report.Columns.
	Cells    []string `json:"cells"`
	Model    string   `json:"model"`
	Makespan string   `json:"makespan"`
	P50      string   `json:"lat_p50"`
	P99      string   `json:"lat_p99"`
	CPU      string   `json:"cpu"`
	GILWait  string   `json:"gil_wait"`
	GILSw    string   `json:"gil_switches"`
	Stall    string   `json:"stall"`
	Threads  string   `json:"threads"`
	Resident string   `json:"resident"`
	Reserved string   `json:"reserved"`
	// Served and Offered are rates such as "193/s", for open workloads.
	Served     string `json:"served,omitempty"`
	Offered    string `json:"offered,omitempty"`
	Overloaded bool   `json:"overloaded,omitempty"`
	// Deadlock says, for a run a deadlock stopped, who held what and
	// waited for what, as the terminal's note does (report.DeadlockText).
	Deadlock string `json:"deadlock,omitempty"`
}

func summaryOf(wl *workload.Workload, r *sim.Result) summary {
	c := report.TableCells(r)
	s := summary{Cells: c, Model: c[0], Makespan: c[1], P50: c[2], P99: c[3], CPU: c[4], GILWait: c[5], GILSw: c[6],
		Stall: c[7], Threads: c[8], Resident: c[9], Reserved: c[10]}
	if wl.Arrivals != nil {
		s.Served, s.Offered = numfmt.PerSecond(advise.Served(wl, r)), numfmt.PerSecond(r.Offered)
		s.Overloaded = advise.Overloaded(wl, r)
	}
	if r.Deadlock != nil {
		s.Deadlock = report.DeadlockText(r)
	}
	return s
}

package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/internal/textsafe"
)

const (
	// maxSpanTasks is the most tasks whose spans are kept for a timeline.
	maxSpanTasks = plan.MaxSpanTasks
)

type runOptions struct {
	inline  string
	models  []string
	runtime string
	// runtimes are the --runtime flags of the commands that take it more
	// than once (run compares them); checkCommonFlags sets runtime from one.
	runtimes       []string
	cores          int
	switchInterval time.Duration
	profile        string
	// python is --python, the interpreter whose CPython release picks the
	// built-in profile when --runtime and --profile do not (findPython);
	// interp is that profile's name and interpNote what to say of it.
	python, interp, interpNote string
	pythonFound                bool
	format                     string
	noTasks                    bool
	output                     string
	// maxSteps bounds the steps one model's simulation may take
	// (workload.Workload.Steps); 0, for commands that do not simulate, means
	// no bound.
	maxSteps int64
	// width is --width: the columns of text output; 0 when not given
	// (see textOptions).
	width int
}

// tableHelp says what the columns of the summary table mean
// (report.Columns), with the ones easy to misread: GIL wait is a sum, cpu a
// share, stall a maximum.
var tableHelp = "The table has one row per model:\n\n" + report.ColumnsHelp()

func newRunCmd(s *streams) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run FILE|NAME|-e INLINE",
		Short: "Simulate a workload under one or more models",
		Long: `Run simulates a workload under each model and prints a summary table and a
timeline per model (or, with --format json, one JSON document).

The workload is a YAML file, the name of a built-in example (see
"conclab examples"; a file of that name on disk wins), "-" for standard
input, or a one-line inline workload given with -e.

Models come from -m (repeatable), else the workload's models:, else the four
kinds sync, threads(min(32, cores+4)), asyncio and processes(cores). Every
model is checked against the runtime before anything runs.

` + tableHelp + `

` + workload.InlineHelp,
		Example: `  conclab run seed-io
  conclab run seed-cpu --runtime cpython-ft
  conclab run -e '3 x [wait 2s]' -m sync -m 'threads(3)' -m asyncio
  conclab run convoy --switch-interval 1ms
  conclab run mixed.yaml --cores 4 --format json --no-tasks -o result.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.models = splitModels(o.models)
			if err := checkCommonFlags(cmd, &o, args); err != nil {
				return err
			}
			return runRun(cmd.Context(), s, &o, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.inline, "expr", "e", "", "an inline workload instead of a file (see the grammar above)")
	f.StringArrayVarP(&o.models, "model", "m", nil, "a model expression such as threads(8); repeatable")
	addSimFlags(f, &o)
	f.StringVar(&o.format, "format", "text", "output format: "+formatList())
	f.BoolVar(&o.noTasks, "no-tasks", false, "leave the per-task list out of the JSON output")
	f.StringVarP(&o.output, "output", "o", "", "write to this file (only once all succeeded) instead of stdout")
	addWidthFlag(f, &o.width)
	return cmd
}

func runRun(ctx context.Context, s *streams, o *runOptions, args []string) error {
	if !validFormat(o.format) {
		return fmt.Errorf("invalid --format %q (want %s)", o.format, formatList())
	}
	var src string
	switch {
	case len(args) == 1 && o.inline != "":
		return errors.New("give a workload FILE or NAME, or -e INLINE, not both")
	case len(args) == 1:
		src = args[0]
	case o.inline == "":
		return errors.New("missing workload: give a FILE, the NAME of an example (see conclab examples) or -e INLINE")
	}
	wl, text, err := loadWorkload(s, src, o.inline)
	if err != nil {
		return err
	}
	plans, err := runtimePlans(ctx, s, wl, text, o)
	if err != nil {
		return err
	}
	p := plans[0]
	sp := spanPlan{keep: o.format != "json"}
	if p.Steps(wl) >= longRun {
		sp.progress = func(m string) func(sim.Progress) { return s.runProgress("run " + m) }
	}
	switch o.format {
	case "text":
		opt := s.textOptions(toFile(o.output), o.width)
		sp.fold = func(r *sim.Result, l *report.SpanLimit, _ int64) (int64, int) {
			return r.Makespan, report.TimelineColumns(r, l, opt)
		}
	case "svg", "html":
		// All models share one time axis (report.SVGOptions.SeparateAxes).
		sp.fold = func(_ *sim.Result, _ *report.SpanLimit, axis int64) (int64, int) {
			return axis, report.SVGColumns(report.SVGOptions{})
		}
	}
	var runs []report.Run
	var runtimes []string // each run's, when runtimes are compared
	for _, pl := range plans {
		rs, err := simulate(ctx, pl, sp, !o.noTasks)
		if err != nil {
			return err
		}
		runs = append(runs, rs...)
		for range rs {
			runtimes = append(runtimes, pl.Profile.Name)
		}
	}
	if len(plans) > 1 {
		// One table, one timeline per model and runtime: each row and
		// timeline says whose it is, and a model's rows stand together.
		runs, runtimes = byModel(runs, runtimes)
		for i, run := range runs {
			if o.format != "json" {
				run.Result.Model += " · " + runtimes[i]
			}
		}
		q := *p
		names := make([]string, len(plans))
		for i, pl := range plans {
			names[i] = pl.Profile.Name
		}
		q.Profile.Name = strings.Join(names, " vs ")
		if o.format != "json" {
			p = &q
		}
	}

	var buf bytes.Buffer
	switch o.format {
	case "json":
		var doc *report.Document
		if doc, err = report.NewDocument(p.Header(), wl, runs, !o.noTasks); err == nil {
			if len(plans) > 1 {
				for i := range doc.Results {
					doc.Results[i].Runtime = runtimes[i]
				}
			}
			err = report.WriteJSON(&buf, doc)
		}
	case "svg", "html", "trace":
		err = writePicture(&buf, o.format, wl, text, o, p, runs)
	default:
		err = writeText(&buf, p, runs, s.textOptions(toFile(o.output), o.width))
	}
	if err != nil {
		return fail(err)
	}
	if o.format == "trace" {
		why := noSpans(p, runs)
		for i, run := range runs {
			if note := report.TraceNote(run, why[i]); note != "" {
				fmt.Fprintf(s.err, "conclab: %s\n", note)
			}
		}
	}
	if err := s.emit(ctx, o.output, buf.Bytes(), o.inputs(args)...); err != nil {
		return err
	}
	// A deadlock is a result, written out in full, and a failure of the
	// work (SPEC §1.1): exit status 1, the cycle on stderr.
	for _, run := range runs {
		if run.Result.Deadlock != nil {
			return fail(errors.New(report.DeadlockText(run.Result)))
		}
	}
	return nil
}

// byModel orders runs (each of the runtime at the same index) so that the
// runs of one model stand together, models in the order they first came,
// runtimes in theirs.
func byModel(runs []report.Run, runtimes []string) ([]report.Run, []string) {
	first := map[string]int{}
	for i, run := range runs {
		if _, ok := first[run.Result.Model]; !ok {
			first[run.Result.Model] = i
		}
	}
	idx := make([]int, len(runs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Compare(first[runs[a].Result.Model], first[runs[b].Result.Model])
	})
	outRuns, outRuntimes := make([]report.Run, len(runs)), make([]string, len(runs))
	for i, j := range idx {
		outRuns[i], outRuntimes[i] = runs[j], runtimes[j]
	}
	return outRuns, outRuntimes
}

// runtimePlans makes the plan of each runtime --runtime names, in its
// order (one plan when it names one or none): conclab run compares them.
func runtimePlans(ctx context.Context, s *streams, wl *workload.Workload, text []byte, o *runOptions) ([]*plan.Plan, error) {
	if len(o.runtimes) < 2 {
		p, err := newPlan(ctx, s, wl, text, o)
		return []*plan.Plan{p}, err
	}
	seen := map[string]bool{}
	var plans []*plan.Plan
	for _, rt := range o.runtimes {
		if seen[rt] {
			return nil, fmt.Errorf("--runtime %s given twice", rt)
		}
		seen[rt] = true
		one := *o
		one.runtime = rt
		p, err := newPlan(ctx, s, wl, text, &one)
		if err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// noSpans says, for each run without spans, why: the limits plan keeps
// spans within (plan.MaxSpanTasks tasks, report.MaxSpans spans a run).
func noSpans(p *plan.Plan, runs []report.Run) []string {
	why := make([]string, len(runs))
	for i, run := range runs {
		switch {
		case run.Spans != nil:
		case p.Tasks() > maxSpanTasks:
			why[i] = fmt.Sprintf("%s, more than the %s whose spans are kept",
				numfmt.Count(p.Tasks(), "task", "tasks"), numfmt.Thousands(maxSpanTasks))
		default:
			why[i] = fmt.Sprintf("more than the %s spans kept of a run", numfmt.Thousands(report.MaxSpans))
		}
	}
	return why
}

// loadWorkload reads the workload named by src (a file, "-" for standard
// input, or an example's name) or, when src is empty, the inline form. It
// returns the workload and its source text (nil for the inline form).
func loadWorkload(s *streams, src, inline string) (*workload.Workload, []byte, error) {
	if src == "" {
		wl, err := workload.ParseInline(inline)
		return wl, nil, err
	}
	file, data, err := readSource(s, src)
	if err != nil {
		return nil, nil, err
	}
	if err := checkText(file, data); err != nil {
		return nil, nil, err
	}
	wl, err := workload.Parse(file, data)
	return wl, data, err
}

// checkText rejects binary data: a NUL byte or bytes that are not UTF-8,
// placed at the first one.
func checkText(file string, data []byte) error {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == 0 || (r == utf8.RuneError && size <= 1) {
			return &workload.Error{File: file, Line: line, Col: col,
				Msg: "not a text file (binary data); a workload is a YAML text file"}
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return nil
}

// tooLarge says why a file above workload.MaxFileSize, the size
// workload.Parse takes, is not read.
var tooLarge = fmt.Sprintf("larger than %d MiB; a workload is a small YAML file", workload.MaxFileSize>>20)

func readSource(s *streams, src string) (file string, data []byte, err error) {
	if src == "-" {
		data, err := io.ReadAll(io.LimitReader(s.in, workload.MaxFileSize+1))
		if err != nil {
			return "", nil, fmt.Errorf("reading standard input: %w", err)
		}
		if len(data) > workload.MaxFileSize {
			return "", nil, fmt.Errorf("standard input: %s", tooLarge)
		}
		return "stdin", data, nil
	}
	info, statErr := os.Stat(src)
	if statErr != nil {
		if data, ok := examples.Lookup(src); ok && errors.Is(statErr, os.ErrNotExist) {
			return "examples/" + src + ".yaml", data, nil
		}
		if errors.Is(statErr, os.ErrNotExist) {
			return "", nil, fmt.Errorf("%s: no such file, and no built-in example of that name (see conclab examples)", src)
		}
		return "", nil, statErr
	}
	switch {
	case info.IsDir():
		return "", nil, fmt.Errorf("%s: is a directory, not a workload file", src)
	case info.Size() > workload.MaxFileSize:
		return "", nil, fmt.Errorf("%s: %s", src, tooLarge)
	}
	f, err := os.Open(src)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, workload.MaxFileSize+1))
	if err != nil {
		return "", nil, err
	}
	return src, data, nil
}

// flagNames are how plan's messages name the flags that override the
// workload.
var flagNames = map[plan.Field]string{
	plan.FieldRuntime:        "--runtime",
	plan.FieldProfile:        "--profile",
	plan.FieldCores:          "--cores",
	plan.FieldSwitchInterval: "--switch-interval",
	plan.FieldModels:         "-m",
	plan.FieldMaxSteps:       "--max-steps",
}

// overrides are what the flags in o say over the workload.
func (o *runOptions) overrides() plan.Overrides {
	return plan.Overrides{
		Runtime:        o.runtime,
		ProfileFile:    o.profile,
		Cores:          o.cores,
		SwitchInterval: o.switchInterval,
		Models:         o.models,
		MaxSteps:       o.maxSteps,
		Interpreter:    o.interp,
		Names:          flagNames,
	}
}

// runtimeUsage is --runtime's help.
var runtimeUsage = "the runtime profile: " + strings.Join(runtime.Names(), ", ") +
	" (cpython is cpython-3.11 and cpython-ft cpython-3.13t; default: the workload's, else --python's, else cpython)"

// findPython checks the interpreter --python names and, unless --runtime
// or --profile says the profile, takes the built-in profile of its CPython
// release to stand in for the workload's runtime (plan.Overrides.Interpreter).
// What it picked is said on stderr by noteRuntime once the plan is made.
func (o *runOptions) findPython(ctx context.Context) error {
	if o.python == "" || o.runtime != "" || o.profile != "" {
		return nil
	}
	py, err := python.Find(ctx, o.python)
	if err == nil {
		err = py.RequireCPython("a built-in profile")
	}
	if err != nil {
		if errors.Is(err, python.ErrNoPython) || errors.Is(err, python.ErrOldPython) || errors.Is(err, python.ErrNotCPython) {
			return fmt.Errorf("--python: %w", err) // exit 2: the user's interpreter
		}
		return fail(err)
	}
	name, exact := runtime.ForPython(py.Version.Major, py.Version.Minor, py.FreeThreaded)
	o.interp = name
	o.interpNote = fmt.Sprintf("runtime %s, the built-in profile of %s", name, py)
	if !exact {
		release := fmt.Sprintf("%d.%d", py.Version.Major, py.Version.Minor)
		if py.FreeThreaded {
			release += "t"
		}
		o.interpNote = fmt.Sprintf("runtime %s for %s: no profile of CPython %s is built in, and %s is the nearest (conclab calibrate --python %s measures one)",
			name, py, release, name, o.python)
	}
	return nil
}

// noteRuntime says on stderr which profile --python picked, when the
// plan took it.
func noteRuntime(s *streams, o *runOptions, p *plan.Plan) {
	if p.ByInterpreter && o.interpNote != "" {
		fmt.Fprintf(s.err, "conclab: %s (--runtime chooses another)\n", o.interpNote)
		o.interpNote = "" // once per command
	}
}

// newPlan resolves what the flags in o, the workload and the defaults say
// (plan.New). text is the workload's source, for placing errors in it.
func newPlan(ctx context.Context, s *streams, wl *workload.Workload, text []byte, o *runOptions) (*plan.Plan, error) {
	return o.plan(ctx, s, wl, text, o.overrides())
}

// plan makes the plan ov says for wl, first finding the interpreter
// --python names (once per command), and says which profile it picked.
func (o *runOptions) plan(ctx context.Context, s *streams, wl *workload.Workload, text []byte, ov plan.Overrides) (*plan.Plan, error) {
	// The workload and the flags first: a mistake there is told before
	// anything about the interpreter.
	p, err := plan.New(wl, text, ov)
	if err != nil {
		return nil, err
	}
	if !o.pythonFound {
		if err := o.findPython(ctx); err != nil {
			return nil, err
		}
		o.pythonFound = true
	}
	if o.interp == "" {
		return p, nil
	}
	ov.Interpreter = o.interp
	if p, err = plan.New(wl, text, ov); err == nil && s != nil {
		noteRuntime(s, o, p)
	}
	return p, err
}

// splitModels splits each -m value at the commas outside parentheses, so
// -m 'sync,threads(3)' gives two models and -m 'asyncio(limit=1, executor=2)'
// one.
func splitModels(values []string) []string {
	var out []string
	for _, v := range values {
		depth, start := 0, 0
		for i, r := range v {
			switch r {
			case '(':
				depth++
			case ')':
				depth--
			case ',':
				if depth == 0 {
					out = append(out, strings.TrimSpace(v[start:i]))
					start = i + 1
				}
			}
		}
		out = append(out, strings.TrimSpace(v[start:]))
	}
	return out
}

// longRun is the estimated steps (workload.Workload.Steps) from which run
// shows its progress on stderr: about a second of simulation.
const longRun = 1_000_000

// spanPlan says what simulate keeps of each run's spans, and how it shows
// progress.
type spanPlan struct {
	keep bool // keep spans for a timeline or a story
	// fold, when set, lays out the folded rerun of a run that makes more
	// than report.MaxSpans spans (plan.Options.Fold). Without it such a
	// run comes back without spans; when needs (what reads the spans) is
	// set, it is refused, since that needs every span. (The trace takes
	// such runs and says what it lacks: noSpans.)
	fold  func(r *sim.Result, l *report.SpanLimit, axis int64) (m int64, cols int)
	needs string
	// progress, when set, is told how far each model's run has come.
	progress func(run string) func(sim.Progress)
}

// simulate runs the plan's workload under each model, one at a time (the
// spans of one run at most in memory, one progress line at a time),
// keeping spans as sp says and task records when records is set.
func simulate(ctx context.Context, p *plan.Plan, sp spanPlan, records bool) ([]report.Run, error) {
	o := plan.Options{Records: records, Spans: sp.keep, Fold: sp.fold, Workers: 1, Progress: sp.progress}
	runs, err := p.Simulate(ctx, o)
	if err != nil {
		return nil, fail(err)
	}
	for _, run := range runs {
		if sp.needs != "" && p.SpansDropped(run, o) {
			return nil, fmt.Errorf("%s under %s makes more than %s spans; %s needs every span and takes runs up to that (conclab run's text, svg and html formats draw any run)",
				p.Workload.Name, run.Result.Model, numfmt.Thousands(report.MaxSpans), sp.needs)
		}
	}
	return runs, nil
}

// writeText writes the text report: a header, the summary table and a
// timeline per model.
func writeText(w io.Writer, p *plan.Plan, runs []report.Run, opt report.Options) error {
	n := p.Tasks()
	head := fmt.Sprintf("%s · runtime %s · %d %s · switch interval %s · %s",
		p.Workload.Name, p.Profile.Name, p.Cores, numfmt.Plural(p.Cores, "core", "cores"),
		workload.FormatDuration(p.SwitchInterval), tasksText(p, runs))
	writeWrapped(w, head, opt.Width)
	if p.Workload.About != "" {
		writeWrapped(w, p.Workload.About, opt.Width)
	}
	fmt.Fprintln(w)
	if err := report.Table(w, runs, opt); err != nil {
		return err
	}
	for _, run := range runs {
		fmt.Fprintln(w)
		if run.Spans == nil && run.Folded == nil {
			writeWrapped(w, fmt.Sprintf("%s · makespan %s · no timeline for %s (at most %s)",
				run.Result.Model, report.Seconds(run.Result.Makespan), numfmt.Count(n, "task", "tasks"), numfmt.Thousands(maxSpanTasks)), opt.Width)
			continue
		}
		if err := report.Timeline(w, run, opt); err != nil {
			return err
		}
	}
	return nil
}

// tasksText says how many tasks the plan's workload runs: "2,000 tasks".
// Arrivals over a window draw their count: a uniform stream the expected
// one exactly, a Poisson stream a count around it, which the header gives
// once a run has drawn it ("about 2,000 tasks (Poisson: 1,920 drawn)").
func tasksText(p *plan.Plan, runs []report.Run) string {
	n := p.Tasks()
	a := p.Workload.Arrivals
	if a == nil || a.Count > 0 {
		return numfmt.Count(n, "task", "tasks")
	}
	drawn := -1 // the same under every model
	if len(runs) > 0 && runs[0].Result != nil {
		drawn = runs[0].Result.Arrived
	}
	switch {
	case a.Pattern != workload.Poisson && drawn >= 0:
		return numfmt.Count(drawn, "task", "tasks")
	case a.Pattern != workload.Poisson:
		return numfmt.Count(n, "task", "tasks")
	case drawn >= 0:
		return fmt.Sprintf("about %s (Poisson: %s drawn)", numfmt.Count(n, "task", "tasks"), numfmt.Thousands(drawn))
	}
	return "about " + numfmt.Count(n, "task", "tasks")
}

// writeWrapped writes text, made safe to print (it holds names and
// descriptions from the workload), word-wrapped to width columns.
func writeWrapped(w io.Writer, text string, width int) {
	for _, line := range textsafe.Wrap(textsafe.CleanText(text), width, "", "") {
		fmt.Fprintln(w, line)
	}
}

// switchIntervalUsage is --switch-interval's help.
var switchIntervalUsage = "the GIL switch interval (default: the workload's, else " +
	workload.FormatDuration(workload.DefaultSwitchInterval) + ")"

// checkCommonFlags validates the flags that the workload-reading commands
// share: --cores, --switch-interval, --max-steps, --width, -e and -o
// (against the files args and --profile name, which it must not replace).
func checkCommonFlags(cmd *cobra.Command, o *runOptions, args []string) error {
	switch {
	case len(o.runtimes) == 1:
		o.runtime = o.runtimes[0]
	case len(o.runtimes) > 1 && cmd.Name() != "run":
		return fmt.Errorf("--runtime given %d times; conclab run compares runtimes side by side, %s takes one", len(o.runtimes), cmd.Name())
	}
	if !cmd.Flags().Changed("cores") {
		o.cores = 0
	} else if o.cores < 1 || o.cores > workload.MaxCores {
		return fmt.Errorf("--cores %d: want a whole number from 1 to %d", o.cores, workload.MaxCores)
	}
	if cmd.Flags().Changed("switch-interval") && o.switchInterval <= 0 {
		return fmt.Errorf("--switch-interval %s: want a positive duration such as 5ms", o.switchInterval)
	}
	if err := checkMaxStepsFlag(cmd.Flags(), o); err != nil {
		return err
	}
	if err := checkWidthFlag(cmd.Flags(), o.width); err != nil {
		return err
	}
	if cmd.Flags().Changed("expr") && strings.TrimSpace(o.inline) == "" {
		return errors.New("-e: empty inline workload (want e.g. -e '3 x [wait 2s]')")
	}
	return checkOutput(o.output, o.inputs(args)...)
}

// inputs are the files a command reads, given the FILE argument in args:
// the workload and the --profile.
func (o *runOptions) inputs(args []string) []input {
	in := []input{{"the --profile", o.profile}}
	if len(args) == 1 {
		in = append(in, input{"the workload", args[0]})
	}
	return in
}

// addSimFlags registers the flags that say how to simulate, shared by run,
// explain, sweep and advise: --runtime, --cores, --switch-interval,
// --profile and --max-steps.
func addSimFlags(f *pflag.FlagSet, o *runOptions) {
	f.StringArrayVar(&o.runtimes, "runtime", nil, runtimeUsage)
	f.StringVar(&o.python, "python", "", "simulate with the built-in profile of this CPython's release (e.g. python3.12)")
	f.IntVar(&o.cores, "cores", 0, "CPU cores (default: the workload's, else this machine's)")
	f.DurationVar(&o.switchInterval, "switch-interval", 0, switchIntervalUsage)
	f.StringVar(&o.profile, "profile", "", "a runtime profile file instead of the built-in one")
	addMaxStepsFlag(f, o)
}

// addMaxStepsFlag registers --max-steps, for every command that simulates.
func addMaxStepsFlag(f *pflag.FlagSet, o *runOptions) {
	f.Int64Var(&o.maxSteps, "max-steps", plan.DefaultMaxSteps, "refuse a workload whose simulation takes more steps per model (tasks × steps, repeats unrolled)")
}

// checkMaxStepsFlag validates --max-steps.
func checkMaxStepsFlag(f *pflag.FlagSet, o *runOptions) error {
	if f.Changed("max-steps") && o.maxSteps < 1 {
		return fmt.Errorf("--max-steps %d: want a whole number of 1 or more", o.maxSteps)
	}
	return nil
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/textsafe"
)

const (
	// maxSpanTasks is the most tasks whose spans are kept for a timeline.
	maxSpanTasks = 20_000
	// maxRecordTasks is the most tasks whose records are kept for the JSON
	// task list (SPEC §5 lets the list go above it).
	maxRecordTasks = 100_000
	// maxFileSize bounds what is read as a workload file.
	maxFileSize = workload.MaxFileSize
	// defaultSwitchInterval is CPython's sys.getswitchinterval().
	defaultSwitchInterval = int64(5 * time.Millisecond)
	// maxWidth is the widest text output.
	maxWidth = 100
	// minWidth is the narrowest text output we try to fit.
	minWidth = 40
)

type runOptions struct {
	inline         string
	models         []string
	runtime        string
	cores          int
	switchInterval time.Duration
	profile        string
	format         string
	noTasks        bool
	output         string
	// maxSteps bounds the steps one model's simulation may take
	// (workload.Workload.Steps); 0, for commands that do not simulate, means
	// no bound.
	maxSteps int64
}

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
	p, err := newPlan(wl, text, o)
	if err != nil {
		return err
	}
	n := taskCount(wl)
	if wl.Steps() >= longRun {
		p.progress = func(m string) func(done, total int) { return s.progress("run "+m, "tasks") }
	}
	sp := spanPlan{keep: n <= maxSpanTasks && o.format != "json"}
	switch o.format {
	case "text":
		opt := s.textOptions(toFile(o.output))
		sp.fold = func(r *sim.Result, l *report.SpanLimit, _ int64) (int64, int) {
			return r.Makespan, report.TimelineColumns(r, l, opt)
		}
	case "svg", "html":
		// All models share one time axis (report.SVGOptions.SeparateAxes).
		sp.fold = func(_ *sim.Result, _ *report.SpanLimit, axis int64) (int64, int) {
			return axis, report.SVGColumns(report.SVGOptions{})
		}
	case "trace":
		sp.needs = "the trace format"
	}
	runs, err := simulate(ctx, p, sp, !o.noTasks && n <= maxRecordTasks)
	if err != nil {
		return err
	}

	var buf bytes.Buffer
	switch o.format {
	case "json":
		err = report.JSON(&buf, wl, p.profile.Name, p.cores, runs, !o.noTasks)
	case "svg", "html", "trace":
		err = writePicture(&buf, o.format, wl, text, o, p, runs)
	default:
		err = writeText(&buf, p, runs, s.textOptions(toFile(o.output)))
	}
	if err != nil {
		return fail(err)
	}
	return s.emit(ctx, o.output, buf.Bytes(), o.inputs(args)...)
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

func readSource(s *streams, src string) (file string, data []byte, err error) {
	if src == "-" {
		data, err := io.ReadAll(io.LimitReader(s.in, maxFileSize+1))
		if err != nil {
			return "", nil, fmt.Errorf("reading standard input: %w", err)
		}
		if len(data) > maxFileSize {
			return "", nil, fmt.Errorf("standard input: larger than %s; a workload is a small YAML file", report.Bytes(maxFileSize))
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
	case info.Size() > maxFileSize:
		return "", nil, fmt.Errorf("%s: larger than %s; a workload is a small YAML file", src, report.Bytes(maxFileSize))
	}
	f, err := os.Open(src)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return "", nil, err
	}
	return src, data, nil
}

// plan is a workload ready to simulate: its runtime, cores, switch interval
// and checked models.
type plan struct {
	wl             *workload.Workload
	profile        runtime.Profile
	cores          int
	switchInterval int64
	models         []model.Deployment

	// progress, when set, is told how far each model's run has come.
	progress func(model string) func(done, total int)
}

// newPlan resolves what the flags in o, the workload and the defaults say,
// in that order, and parses and checks every model before anything runs.
// text is the workload's source, for placing errors in it.
func newPlan(wl *workload.Workload, text []byte, o *runOptions) (plan, error) {
	p := plan{wl: wl}
	if err := checkSteps(wl, o.maxSteps); err != nil {
		return p, err
	}
	prof, err := resolveProfile(wl, o.runtime, o.profile)
	if err != nil {
		return p, err
	}
	p.profile = prof

	switch {
	case o.cores > 0:
		p.cores = o.cores
	case wl.Cores > 0:
		p.cores = wl.Cores
	default:
		p.cores = min(goruntime.NumCPU(), workload.MaxCores)
	}
	switch {
	case o.switchInterval > 0:
		p.switchInterval = int64(o.switchInterval)
	case wl.SwitchInterval > 0:
		p.switchInterval = wl.SwitchInterval
	default:
		p.switchInterval = defaultSwitchInterval
	}

	switch {
	case len(o.models) > 0:
		for _, expr := range o.models {
			d, err := model.Parse(expr)
			if err == nil {
				err = model.Check(d, prof.Name, prof.Asyncio, prof.Processes)
			}
			if err != nil {
				return p, flagModelError(expr, err)
			}
			p.models = append(p.models, d)
		}
	case len(wl.Models) > 0:
		for _, m := range wl.Models {
			d, err := model.Parse(m.Expr)
			if err == nil {
				err = model.Check(d, prof.Name, prof.Asyncio, prof.Processes)
			}
			if err != nil {
				return p, fileModelError(wl, text, m, err)
			}
			p.models = append(p.models, d)
		}
	default:
		p.models = defaultModels(p.cores, prof)
	}
	return p, nil
}

// resolveProfile picks the runtime profile: a profile file, else the
// --runtime flag, else the workload's runtime, else cpython.
func resolveProfile(wl *workload.Workload, name, path string) (runtime.Profile, error) {
	if path != "" {
		prof, err := runtime.Load(path)
		if err != nil {
			if strings.HasPrefix(err.Error(), path+":") {
				return prof, err // already placed in the file
			}
			return prof, fmt.Errorf("--profile %s: %w", path, err)
		}
		if name != "" && name != prof.Name {
			return prof, fmt.Errorf("--runtime %s contradicts --profile %s, which is a profile of %s", name, path, prof.Name)
		}
		return prof, nil
	}
	from := "--runtime " + name
	if name == "" {
		name = wl.Runtime
		from = "runtime " + name
		if wl.File != "" {
			from = wl.File + ": " + from
		}
	}
	if name == "" {
		name = "cpython"
	}
	prof, err := runtime.Builtin(name)
	if err != nil {
		return prof, fmt.Errorf("%s: %w", from, err)
	}
	return prof, nil
}

// defaultModels are the four kinds of SPEC §1, less those the runtime lacks:
// threads(min(32, cores+4)) is ThreadPoolExecutor's default size.
func defaultModels(cores int, prof runtime.Profile) []model.Deployment {
	ds := []model.Deployment{
		{Kind: model.Sync},
		{Kind: model.ThreadPool, Threads: model.DefaultPoolSize(cores)},
	}
	if prof.Asyncio {
		ds = append(ds, model.Deployment{Kind: model.Asyncio})
	}
	if prof.Processes {
		ds = append(ds, model.Deployment{Kind: model.Processes, Procs: min(cores, model.MaxProcesses)})
	}
	return ds
}

// flagModelError names the -m flag a bad model came from.
func flagModelError(expr string, err error) error {
	var me *model.Error
	if errors.As(err, &me) {
		if me.Col > 1 {
			return fmt.Errorf("-m %q: column %d: %s", expr, me.Col, me.Msg)
		}
		return fmt.Errorf("-m %q: %s", expr, me.Msg)
	}
	return fmt.Errorf("-m %q: %w", expr, err)
}

// fileModelError places a bad model of the workload's models: in its file.
func fileModelError(wl *workload.Workload, text []byte, m workload.Model, err error) error {
	if m.Pos.Line == 0 || wl.File == "" {
		return fmt.Errorf("model %q: %w", m.Expr, err)
	}
	werr := &workload.Error{File: wl.File, Line: m.Pos.Line, Col: m.Pos.Col, Msg: err.Error()}
	var me *model.Error
	if errors.As(err, &me) {
		werr.Msg = me.Msg
		// A quoted scalar's position is its opening quote.
		if c := byteAt(text, m.Pos); c == '"' || c == '\'' {
			werr.Col++
		}
		// Columns count characters; an expression is ASCII when it parses
		// far enough to have a column past its first character.
		werr.Col += me.Col - 1
	}
	return werr
}

// byteAt returns the byte of text at pos (1-based line and column in
// characters), or 0 if there is none.
func byteAt(text []byte, pos workload.Pos) byte {
	lines := bytes.SplitN(text, []byte("\n"), pos.Line+1)
	if pos.Line < 1 || pos.Line > len(lines) {
		return 0
	}
	line := string(lines[pos.Line-1])
	col := 1
	for i, r := range line {
		if col == pos.Col {
			if r < utf8.RuneSelf {
				return line[i]
			}
			return 0
		}
		col++
	}
	return 0
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

// taskCount is how many tasks the workload will run, estimated for an open
// workload given by a time window.
func taskCount(wl *workload.Workload) int {
	n := wl.NumTasks()
	if a := wl.Arrivals; n == 0 && a != nil {
		n = int(min(a.Rate*float64(a.For)/1e9, workload.MaxTasks))
	}
	return n
}

// longRun is the estimated steps (workload.Workload.Steps) from which run
// shows its progress on stderr: about a second of simulation.
const longRun = 1_000_000

// defaultMaxSteps is the most steps (workload.Workload.Steps) one model's
// simulation may take unless --max-steps says more: about a minute. sim's
// BenchmarkMillion runs 2,000,000 steps (a million tasks) in 0.25 to 0.4 s
// on an idle laptop, 5 to 8 million steps a second; on a loaded 2-core
// machine 4 tasks of 50,000,000 steps took 18 s under threads and 39 s
// under asyncio, the slowest.
const defaultMaxSteps = 300_000_000

// checkSteps refuses a workload whose simulation would take more steps
// than max (0: no bound).
func checkSteps(wl *workload.Workload, max int64) error {
	if n := wl.Steps(); max > 0 && n > max {
		how := " by default; raise with --max-steps"
		if max != defaultMaxSteps {
			how = ", as --max-steps says"
		}
		return fmt.Errorf("workload %s needs about %s simulation steps per model (at most %s%s)",
			oneLine(wl.Name), thousands64(n), thousands64(max), how)
	}
	return nil
}

// spanPlan says what simulate keeps of each run's spans.
type spanPlan struct {
	keep bool // keep spans for a timeline or a story
	// fold, when set, lays out the folded rerun of a run that makes more
	// than report.MaxSpans spans: the time its timeline covers (axis is the
	// longest makespan of all runs) and its columns. Without it such a run
	// is refused, since needs (what reads the spans) needs every span.
	fold  func(r *sim.Result, l *report.SpanLimit, axis int64) (m int64, cols int)
	needs string
}

// simulate runs the plan's workload under each model, keeping spans as sp
// says and task records when records is set. A run with more spans than
// report.MaxSpans is run again into a report.Folded sink, which keeps what
// its timeline draws (the run is deterministic): memory stays bounded
// whatever the number of spans.
func simulate(ctx context.Context, p plan, sp spanPlan, records bool) ([]report.Run, error) {
	runs := make([]report.Run, 0, len(p.models))
	configs := make([]sim.Config, 0, len(p.models))
	limits := make([]*report.SpanLimit, 0, len(p.models))
	var axis int64
	for _, d := range p.models {
		if err := ctx.Err(); err != nil {
			return nil, fail(err)
		}
		cfg := sim.Config{
			Workload:       p.wl,
			Deployment:     d,
			Profile:        p.profile,
			Cores:          p.cores,
			SwitchInterval: p.switchInterval,
			RecordTasks:    records,
			Context:        ctx,
		}
		if p.progress != nil {
			cfg.Progress = p.progress(d.String())
		}
		var limit *report.SpanLimit
		if sp.keep {
			limit = &report.SpanLimit{Max: report.MaxSpans}
			cfg.Sink = limit
		}
		res, err := sim.Run(cfg)
		if err != nil {
			return nil, fail(fmt.Errorf("%s under %s: %w", p.wl.Name, d, err))
		}
		run := report.Run{Result: res}
		switch {
		case limit == nil:
		case !limit.Over:
			run.Spans = &limit.Recorder
		case sp.fold == nil:
			return nil, fmt.Errorf("%s under %s makes more than %s spans; %s needs every span and takes runs up to that (conclab run's text, svg and html formats draw any run)",
				p.wl.Name, d, thousands(report.MaxSpans), sp.needs)
		}
		runs = append(runs, run)
		configs = append(configs, cfg)
		limits = append(limits, limit)
		axis = max(axis, res.Makespan)
	}
	for i, limit := range limits {
		if limit == nil || !limit.Over {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, fail(err)
		}
		m, cols := sp.fold(runs[i].Result, limit, axis)
		folded := report.NewFolded(m, cols)
		cfg := configs[i]
		cfg.Sink = folded
		if p.progress != nil {
			cfg.Progress = p.progress(cfg.Deployment.String() + " (timeline)")
		}
		res, err := sim.Run(cfg)
		if err != nil {
			return nil, fail(fmt.Errorf("%s under %s: %w", p.wl.Name, cfg.Deployment, err))
		}
		if res.Makespan != runs[i].Result.Makespan || folded.Spans() != limit.Spans {
			return nil, &sim.InternalError{Value: fmt.Sprintf("%s under %s ran differently the second time (makespan %d then %d ns, %d then %d spans)",
				p.wl.Name, cfg.Deployment, runs[i].Result.Makespan, res.Makespan, limit.Spans, folded.Spans())}
		}
		runs[i].Folded = folded
	}
	return runs, nil
}

// writeText writes the text report: a header, the summary table and a
// timeline per model.
func writeText(w io.Writer, p plan, runs []report.Run, opt report.Options) error {
	n := taskCount(p.wl)
	head := fmt.Sprintf("%s · runtime %s · %d %s · switch interval %s · %s",
		p.wl.Name, p.profile.Name, p.cores, plural(p.cores, "core", "cores"),
		workload.FormatDuration(p.switchInterval), count(n, "task", "tasks"))
	writeWrapped(w, head, opt.Width)
	if p.wl.About != "" {
		writeWrapped(w, p.wl.About, opt.Width)
	}
	fmt.Fprintln(w)
	if err := report.Table(w, runs, opt); err != nil {
		return err
	}
	for _, run := range runs {
		fmt.Fprintln(w)
		if run.Spans == nil && run.Folded == nil {
			writeWrapped(w, fmt.Sprintf("%s · makespan %s · no timeline for %s (at most %s)",
				run.Result.Model, report.Seconds(run.Result.Makespan), count(n, "task", "tasks"), thousands(maxSpanTasks)), opt.Width)
			continue
		}
		if err := report.Timeline(w, run, opt); err != nil {
			return err
		}
	}
	return nil
}

// textOptions says how wide and whether in colour text output is: the
// terminal's width (COLUMNS) when standard output is a terminal, never more
// than 100 columns; colour only on a terminal without NO_COLOR, and never
// into a file.
func (s *streams) textOptions(toFile bool) report.Options {
	opt := report.Options{Width: maxWidth}
	f, ok := s.out.(*os.File)
	if toFile || !ok || !isatty.IsTerminal(f.Fd()) {
		return opt
	}
	if c, err := strconv.Atoi(strings.TrimSpace(s.env("COLUMNS"))); err == nil && c > 0 {
		opt.Width = max(minWidth, min(maxWidth, c))
	}
	opt.Color = s.env("NO_COLOR") == "" && report.ColorFor(f)
	return opt
}

// writeWrapped writes text, made safe to print (it holds names and
// descriptions from the workload), word-wrapped to width columns.
func writeWrapped(w io.Writer, text string, width int) {
	for _, line := range textsafe.Wrap(textsafe.CleanText(text), width, "", "") {
		fmt.Fprintln(w, line)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// count returns "1 task" or "10,000 tasks".
func count(n int, one, many string) string {
	return thousands(n) + " " + plural(n, one, many)
}

// thousands formats n with commas between groups of three digits.
func thousands(n int) string { return thousands64(int64(n)) }

// thousands64 formats n with commas between groups of three digits.
func thousands64(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + thousands64(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// checkCommonFlags validates the flags that the workload-reading commands
// share: --cores, --switch-interval, -e and -o (against the files args and
// --profile name, which it must not replace).
func checkCommonFlags(cmd *cobra.Command, o *runOptions, args []string) error {
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
	f.StringVar(&o.runtime, "runtime", "", "cpython, cpython-ft, java or go (default: the workload's)")
	f.IntVar(&o.cores, "cores", 0, "CPU cores (default: the workload's, else this machine's)")
	f.DurationVar(&o.switchInterval, "switch-interval", 0, "the GIL switch interval (default: the workload's, else 5ms)")
	f.StringVar(&o.profile, "profile", "", "a runtime profile file instead of the built-in one")
	addMaxStepsFlag(f, o)
}

// addMaxStepsFlag registers --max-steps, for every command that simulates.
func addMaxStepsFlag(f *pflag.FlagSet, o *runOptions) {
	f.Int64Var(&o.maxSteps, "max-steps", defaultMaxSteps, "refuse a workload whose simulation takes more steps per model (tasks × steps, repeats unrolled)")
}

// checkMaxStepsFlag validates --max-steps.
func checkMaxStepsFlag(f *pflag.FlagSet, o *runOptions) error {
	if f.Changed("max-steps") && o.maxSteps < 1 {
		return fmt.Errorf("--max-steps %d: want a whole number of 1 or more", o.maxSteps)
	}
	return nil
}

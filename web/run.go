package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/conclab/conclab/explain"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
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
	MaxSpanTasks = 20_000
	// MaxSpanSteps is the most steps (as MaxSteps counts them) whose
	// timeline is drawn: each step makes a few spans.
	MaxSpanSteps = 200_000
	// MaxRecordedSpans is the most spans kept while one model runs; a run
	// that makes more (threads taking turns on the GIL for hours of CPU
	// work) is answered without a timeline.
	MaxRecordedSpans = 1_000_000
	// MaxRecordTasks is the most tasks listed in the JSON task list, as
	// for `conclab run` (SPEC §5).
	MaxRecordTasks = 100_000
	// MaxRuns is the most requests parsed and simulated at once (fewer on
	// a machine with fewer CPUs); the others wait their turn, 503 after
	// RunTimeout. Each uses all CPUs for its models, and parsing a workload
	// of MaxBodyBytes takes about 55 MB, so this bounds the memory.
	MaxRuns = 4
	// RunTimeout bounds one request's wait for its turn, the parse of its
	// workload and its simulations.
	RunTimeout = 10 * time.Second
)

// defaultSwitchInterval is CPython's sys.getswitchinterval().
const defaultSwitchInterval = int64(5 * time.Millisecond)

// RunRequest is the body of POST /api/run.
type RunRequest struct {
	// YAML is the workload, in the format of SPEC §1.
	YAML string `json:"yaml"`
	// Name names the workload when its YAML has no name: (the page sends
	// the example's).
	Name string `json:"name,omitempty"`
	// Models are model expressions; empty means the workload's models:,
	// else the four kinds sync, threads, asyncio and processes.
	Models []string `json:"models,omitempty"`
	// Runtime overrides the workload's runtime: cpython, cpython-ft, java
	// or go.
	Runtime string `json:"runtime,omitempty"`
	// Cores overrides the workload's cores; 0 means the workload's, else
	// this machine's logical CPUs.
	Cores int `json:"cores,omitempty"`
	// Spans asks for each result's timeline (rows and spans) and narration.
	Spans bool `json:"spans,omitempty"`
	// NoTasks leaves the per-task list out, as `conclab run --no-tasks`.
	NoTasks bool `json:"no_tasks,omitempty"`
}

// apiError is an answer other than 200, written as
// {"error": "...", "line": L, "col": C, "field": "...", "model": I}.
type apiError struct {
	status int
	Msg    string `json:"error"`
	Line   int    `json:"line,omitempty"`
	Col    int    `json:"col,omitempty"`
	// Field names the request field at fault: yaml, name, models,
	// runtime, cores or body.
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

// plan is a workload ready to simulate.
type plan struct {
	wl             *workload.Workload
	yaml           string
	profile        runtime.Profile
	cores          int
	switchInterval int64
	models         []model.Deployment
	modelsFrom     string             // request, workload or default
	tasks          int                // tasks, or the expected arrivals
	steps          int64              // steps per model, repeats unrolled
	hook           func(point string) // the server's test hook
}

// newPlan parses and checks everything a request says before anything
// runs: the workload, the runtime, the cores and every model, then the
// limits.
func newPlan(req *RunRequest) (*plan, error) {
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
	p := &plan{wl: wl, yaml: req.YAML}

	name, field := req.Runtime, "runtime"
	if name == "" {
		name, field = wl.Runtime, "yaml"
	}
	if name == "" {
		name = "cpython"
	}
	if p.profile, err = runtime.Builtin(name); err != nil {
		return nil, badRequest(field, "runtime %s: %v", name, err)
	}

	switch {
	case req.Cores < 0 || req.Cores > workload.MaxCores:
		return nil, badRequest("cores", "cores %d: want a whole number from 1 to %d", req.Cores, workload.MaxCores)
	case req.Cores > 0:
		p.cores = req.Cores
	case wl.Cores > 0:
		p.cores = wl.Cores
	default:
		p.cores = min(goruntime.NumCPU(), workload.MaxCores)
	}
	p.switchInterval = wl.SwitchInterval
	if p.switchInterval <= 0 {
		p.switchInterval = defaultSwitchInterval
	}

	if err := p.addModels(req.Models); err != nil {
		return nil, err
	}
	if len(p.models) > MaxModels {
		return nil, badRequest("models", "%d models: compare at most %d at once", len(p.models), MaxModels)
	}

	p.tasks = wl.NumTasks()
	if a := wl.Arrivals; p.tasks == 0 && a != nil {
		p.tasks = int(min(a.Rate*float64(a.For)/1e9, float64(workload.MaxTasks)))
	}
	if p.tasks > MaxTasks {
		return nil, tooBig("%s tasks: the page simulates at most %s (run it with `conclab run`, which has no such limit)",
			thousands(int64(p.tasks)), thousands(MaxTasks))
	}
	p.steps = wl.Steps()
	if p.steps > MaxSteps {
		return nil, tooBig("about %s steps per model (tasks × steps, repeats unrolled): the page simulates at most %s (run it with `conclab run`)",
			thousands(p.steps), thousands(MaxSteps))
	}
	return p, nil
}

// addModels parses and checks the request's models, else the workload's,
// else picks the default four kinds.
func (p *plan) addModels(exprs []string) error {
	prof := p.profile
	check := func(expr string) (model.Deployment, error) {
		d, err := model.Parse(expr)
		if err == nil {
			err = model.Check(d, prof.Name, prof.Asyncio, prof.Processes)
		}
		return d, err
	}
	for i, expr := range exprs {
		expr = strings.TrimSpace(expr)
		if expr == "" {
			continue
		}
		d, err := check(expr)
		if err != nil {
			e := badRequest("models", "%s", modelMsg(expr, err))
			e.Model = &i
			return e
		}
		p.models = append(p.models, d)
		p.modelsFrom = "request"
	}
	if len(p.models) > 0 {
		return nil
	}
	for _, m := range p.wl.Models {
		d, err := check(m.Expr)
		if err != nil {
			e := &apiError{status: 400, Field: "yaml", Msg: modelMsg(m.Expr, err), Line: m.Pos.Line, Col: m.Pos.Col}
			var me *model.Error
			if errors.As(err, &me) && m.Pos.Line > 0 {
				// Place it at the mistake within the expression, past an
				// opening quote.
				e.Msg = me.Msg
				if c := charAt(p.yaml, m.Pos); c == '"' || c == '\'' {
					e.Col++
				}
				e.Col += max(me.Col, 1) - 1
			}
			return e
		}
		p.models = append(p.models, d)
		p.modelsFrom = "workload"
	}
	if len(p.models) > 0 {
		return nil
	}
	// The four kinds of SPEC §1, less those the runtime lacks;
	// threads(min(32, cores+4)) is ThreadPoolExecutor's default size.
	p.modelsFrom = "default"
	p.models = []model.Deployment{{Kind: model.Sync}, {Kind: model.ThreadPool, Threads: model.DefaultPoolSize(p.cores)}}
	if prof.Asyncio {
		p.models = append(p.models, model.Deployment{Kind: model.Asyncio})
	}
	if prof.Processes {
		p.models = append(p.models, model.Deployment{Kind: model.Processes, Procs: min(p.cores, model.MaxProcesses)})
	}
	return nil
}

// modelMsg says what is wrong with the model expr, naming it once.
func modelMsg(expr string, err error) string {
	msg := err.Error()
	var me *model.Error
	if errors.As(err, &me) {
		msg = me.Msg
		if me.Col > 1 {
			msg = "column " + strconv.Itoa(me.Col) + ": " + msg
		}
	}
	if strings.Contains(msg, strconv.Quote(expr)) {
		return msg
	}
	return fmt.Sprintf("model %q: %s", expr, msg)
}

// charAt returns the character of text at pos (1-based line and column in
// characters), or 0 if there is none.
func charAt(text string, pos workload.Pos) rune {
	lines := strings.SplitN(text, "\n", pos.Line+1)
	if pos.Line < 1 || pos.Line > len(lines) {
		return 0
	}
	col := 1
	for _, r := range lines[pos.Line-1] {
		if col == pos.Col {
			return r
		}
		col++
	}
	return 0
}

// boundedRecorder keeps spans like a sim.Recorder until there are too many,
// then drops them all and remembers that it did.
type boundedRecorder struct {
	rec  sim.Recorder
	max  int
	over bool
}

func (b *boundedRecorder) keep() bool {
	if b.over {
		return false
	}
	if len(b.rec.Lanes)+len(b.rec.Tasks) >= b.max {
		b.over = true
		b.rec = sim.Recorder{}
		return false
	}
	return true
}

func (b *boundedRecorder) LaneSpan(s sim.Span) {
	if b.keep() {
		b.rec.LaneSpan(s)
	}
}

func (b *boundedRecorder) TaskSpan(s sim.Span) {
	if b.keep() {
		b.rec.TaskSpan(s)
	}
}

var _ sim.Sink = (*boundedRecorder)(nil)

// outcome is one model's run: what report needs, and why there are no
// spans when there are none.
type outcome struct {
	run     report.Run
	noSpans string
	extra   []byte // the keys added to its result, each preceded by a comma
}

// simulate runs the plan under each model, the models side by side on
// the machine's cores. spans asks for each run's timeline and narration;
// spans are kept only within the limits.
func (p *plan) simulate(ctx context.Context, spans bool) ([]outcome, error) {
	var why string
	switch {
	case !spans:
	case p.tasks > MaxSpanTasks:
		why = fmt.Sprintf("no timeline for %s tasks (the page draws at most %s)", thousands(int64(p.tasks)), thousands(MaxSpanTasks))
	case p.steps > MaxSpanSteps:
		why = fmt.Sprintf("no timeline for about %s steps (the page draws at most %s)", thousands(p.steps), thousands(MaxSpanSteps))
	}
	out := make([]outcome, len(p.models))
	errs := make([]error, len(p.models))
	slots := make(chan struct{}, max(1, goruntime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for i, d := range p.models {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			// net/http recovers only the handler's own goroutine: a panic
			// here would end the whole server.
			defer func() {
				if v := recover(); v != nil {
					errs[i] = fmt.Errorf("%s under %s: %w", p.wl.Name, d, caught(v))
				}
			}()
			if p.hook != nil {
				p.hook("simulate")
			}
			out[i], errs[i] = p.simulateOne(ctx, d, spans, why)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, e := range errs {
			if e != nil {
				return nil, e // the first model's error is the one to tell
			}
		}
	}
	return out, nil
}

// simulateOne runs the plan's workload under d and, when spans is set,
// builds its timeline and narration; why says why there are no spans.
func (p *plan) simulateOne(ctx context.Context, d model.Deployment, spans bool, why string) (outcome, error) {
	cfg := sim.Config{
		Workload:       p.wl,
		Deployment:     d,
		Profile:        p.profile,
		Cores:          p.cores,
		SwitchInterval: p.switchInterval,
		RecordTasks:    p.tasks <= MaxRecordTasks,
		Context:        ctx,
	}
	var rec *boundedRecorder
	if spans && why == "" {
		rec = &boundedRecorder{max: MaxRecordedSpans}
		cfg.Sink = rec
	}
	res, err := sim.Run(cfg)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return outcome{}, tooBig("%s under %s: the simulation needs more than %s of computing here; make the workload smaller or run it with `conclab run`",
				p.wl.Name, d, RunTimeout)
		}
		if ctx.Err() != nil {
			return outcome{}, ctx.Err()
		}
		return outcome{}, fmt.Errorf("%s under %s: %w", p.wl.Name, d, err)
	}
	o := outcome{run: report.Run{Result: res}, noSpans: why}
	switch {
	case rec != nil && rec.over:
		o.noSpans = fmt.Sprintf("no timeline: the run made more than %s spans", thousands(MaxRecordedSpans))
	case rec != nil:
		o.run.Spans = &rec.rec
	}

	var extra bytes.Buffer
	extra.WriteString(`,"summary":`)
	writeJSON(&extra, summaryOf(res))
	if spans {
		extra.WriteString(`,"timeline":`)
		writeJSON(&extra, timelineOf(o.run, o.noSpans))
		extra.WriteString(`,"narration":`)
		writeJSON(&extra, narrationOf(p.wl, o.run))
	}
	o.extra = extra.Bytes()
	return o, nil
}

// runJSON answers a plan's outcomes: the document of report.JSON with,
// per result, "timeline", "summary" and "narration" added when spans were
// asked for, and "models_from" and "switch_interval_s" at the top.
func runJSON(p *plan, outs []outcome, spans, withTasks bool) ([]byte, error) {
	runs := make([]report.Run, len(outs))
	for i, o := range outs {
		runs[i] = o.run
	}
	var buf bytes.Buffer
	if err := report.JSON(&buf, p.wl, p.profile.Name, p.cores, runs, withTasks); err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &top); err != nil {
		return nil, err
	}
	var results []json.RawMessage
	if err := json.Unmarshal(top["results"], &results); err != nil {
		return nil, err
	}
	if len(results) != len(outs) {
		return nil, fmt.Errorf("report gave %d results for %d runs", len(results), len(outs))
	}
	for i, o := range outs {
		var c bytes.Buffer
		if err := json.Compact(&c, results[i]); err != nil {
			return nil, err
		}
		r := c.Bytes()
		results[i] = append(append(r[:len(r)-1:len(r)-1], o.extra...), '}')
	}

	// The contract's keys first, in its order, then ours, then any key
	// report adds later.
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	put := func(k string, v []byte) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeJSON(&b, k)
		b.WriteByte(':')
		b.Write(v)
	}
	for _, k := range []string{"workload", "runtime", "cores"} {
		if v, ok := top[k]; ok {
			put(k, v)
			delete(top, k)
		}
	}
	delete(top, "results")
	var mf bytes.Buffer
	writeJSON(&mf, p.modelsFrom)
	put("models_from", mf.Bytes())
	put("switch_interval_s", []byte(strconv.FormatFloat(float64(p.switchInterval)/1e9, 'g', -1, 64)))
	if spans {
		var st bytes.Buffer
		writeJSON(&st, stateNames())
		put("states", st.Bytes())
	}
	for _, k := range sortedKeys(top) {
		put(k, top[k])
	}
	var rs bytes.Buffer
	rs.WriteByte('[')
	for i, r := range results {
		if i > 0 {
			rs.WriteByte(',')
		}
		rs.Write(r)
	}
	rs.WriteByte(']')
	put("results", rs.Bytes())
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// writeJSON appends v's JSON; the values written here always encode.
func writeJSON(b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // a programming error: every value here is plain data
	}
	b.Truncate(b.Len() - 1) // Encode's newline
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
// formats it, so the page and the terminal agree to the digit.
type summary struct {
	Model    string `json:"model"`
	Makespan string `json:"makespan"`
	P50      string `json:"lat_p50"`
	P99      string `json:"lat_p99"`
	CPU      string `json:"cpu"`
	GILWait  string `json:"gil_wait"`
	GILSw    string `json:"gil_switches"`
	Stall    string `json:"stall"`
	Threads  string `json:"threads"`
	Resident string `json:"resident"`
	Reserved string `json:"reserved"`
}

func summaryOf(r *sim.Result) summary {
	return summary{
		Model:    r.Model,
		Makespan: report.Seconds(r.Makespan),
		P50:      report.Seconds(r.Latency.P50),
		P99:      report.Seconds(r.Latency.P99),
		CPU:      percent(r.CPUUtilization),
		GILWait:  report.Seconds(r.GILWait),
		GILSw:    strconv.FormatInt(r.GILSwitches, 10),
		Stall:    report.Seconds(r.LoopStallMax),
		Threads:  strconv.Itoa(r.PeakThreads),
		Resident: report.Bytes(r.PeakMemoryBytes),
		Reserved: report.Bytes(r.PeakVirtualBytes),
	}
}

// thousands formats n with commas between groups of three digits.
func thousands(n int64) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// percent formats a fraction as report's table does: one decimal.
func percent(f float64) string {
	if f != f { // NaN
		return "–"
	}
	return strconv.FormatFloat(f*100, 'f', 1, 64) + "%"
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

package plan

import (
	"errors"
	"fmt"
	"math"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/textsafe"
)

// DefaultMaxSteps is the most steps (workload.Workload.Steps) one model's
// simulation may take on the command line unless --max-steps says more:
// about a minute. sim's BenchmarkMillion runs 2,000,000 steps (a million
// tasks) in 0.25 to 0.4 s on an idle laptop, 5 to 8 million steps a
// second; on a loaded 2-core machine 4 tasks of 50,000,000 steps took 18 s
// under threads and 39 s under asyncio, the slowest.
const DefaultMaxSteps = 300_000_000

// Overrides are what a command line or a request says over the workload.
// The zero value overrides nothing.
type Overrides struct {
	// Runtime names a built-in runtime profile (runtime.Names): cpython,
	// cpython-3.12, java, … "" means the workload's, else Interpreter's,
	// else cpython.
	Runtime string
	// Interpreter names the built-in profile of the interpreter that runs
	// or will run the workload (runtime.ForPython): it stands in for the
	// workload's runtime when that is absent, or an alias of the same kind
	// (cpython for a build with the GIL, cpython-ft for a free-threaded
	// one), which says CPython but not which release.
	Interpreter string
	// ProfileFile is a runtime profile file to use instead of a built-in
	// profile (runtime.Load). Runtime, when given too, must name its
	// runtime.
	ProfileFile string
	// Cores is the CPU cores, 1 to workload.MaxCores; 0 means the
	// workload's, else this machine's.
	Cores int
	// SwitchInterval is the GIL switch interval, at most
	// workload.MaxDuration; 0 means the workload's, else
	// workload.DefaultSwitchInterval.
	SwitchInterval time.Duration
	// Models are model expressions. None means the workload's models:,
	// else DefaultModels.
	Models []string
	// NoModels leaves Plan.Models empty, whatever the workload lists:
	// for callers that pick their own (advise, sweep).
	NoModels bool
	// MaxSteps refuses a workload whose simulation would take more steps
	// per model (workload.Workload.Steps); 0 means no bound.
	MaxSteps int64
	// Names says how the caller's users know each input, for messages:
	// a command line's flags ("--runtime", "-m"). An input without a
	// name is called by its field ("runtime", "model").
	Names map[Field]string
}

func (o *Overrides) name(f Field) string {
	if n, ok := o.Names[f]; ok {
		return n
	}
	return defaultNames[f]
}

// ModelSource says where a plan's models came from.
type ModelSource string

// Where models come from.
const (
	ModelsGiven    ModelSource = "given"    // Overrides.Models
	ModelsWorkload ModelSource = "workload" // the workload's models:
	ModelsDefault  ModelSource = "default"  // DefaultModels
)

// Plan is a workload ready to simulate: its runtime profile, cores, switch
// interval and models, every one resolved and checked.
type Plan struct {
	Workload *workload.Workload
	Profile  runtime.Profile
	// ProfileSource is report.ProfileBuiltin or the profile file's path.
	ProfileSource string
	// ByInterpreter says the profile is Overrides.Interpreter's.
	ByInterpreter  bool
	Cores          int
	SwitchInterval int64 // ns
	Models         []model.Deployment
	ModelsFrom     ModelSource
}

// New resolves what o, the workload and the defaults say, in that order,
// and parses and checks every model against the runtime before anything
// runs. text is the workload's source, to place a mistake in its models:
// (nil for a workload without one). Every mistake is an *Error.
func New(wl *workload.Workload, text []byte, o Overrides) (*Plan, error) {
	p := &Plan{Workload: wl}
	if err := p.resolveProfile(o); err != nil {
		return nil, err
	}

	switch {
	case o.Cores < 0 || o.Cores > workload.MaxCores:
		return nil, &Error{Field: FieldCores,
			Msg: fmt.Sprintf("%s %d: want a whole number from 1 to %d", o.name(FieldCores), o.Cores, workload.MaxCores)}
	case o.Cores > 0:
		p.Cores = o.Cores
	case wl.Cores > 0:
		p.Cores = wl.Cores
	default:
		p.Cores = min(goruntime.NumCPU(), workload.MaxCores)
	}

	switch si := o.SwitchInterval; {
	case si < 0:
		return nil, &Error{Field: FieldSwitchInterval,
			Msg: fmt.Sprintf("%s %s: want a positive duration such as 5ms", o.name(FieldSwitchInterval), si)}
	case int64(si) > workload.MaxDuration:
		return nil, &Error{Field: FieldSwitchInterval,
			Msg: fmt.Sprintf("%s %s: too long (the limit is 2400h)", o.name(FieldSwitchInterval), si)}
	case si > 0:
		p.SwitchInterval = int64(si)
	case wl.SwitchInterval > 0:
		p.SwitchInterval = wl.SwitchInterval
	default:
		p.SwitchInterval = workload.DefaultSwitchInterval
	}

	if err := p.resolveModels(text, o); err != nil {
		return nil, err
	}
	if err := p.CheckSteps(wl, o); err != nil {
		return nil, err
	}
	return p, nil
}

// resolveProfile picks the runtime profile: a profile file, else the
// runtime override, else the workload's runtime, else cpython.
func (p *Plan) resolveProfile(o Overrides) error {
	if path := o.ProfileFile; path != "" {
		prof, err := runtime.Load(path)
		if err != nil {
			var fe *runtime.FileError
			if errors.As(err, &fe) {
				return &Error{Field: FieldProfile, File: fe.Path, Line: fe.Line, Col: fe.Col, Msg: fe.Msg, Err: err}
			}
			return &Error{Field: FieldProfile, Msg: fmt.Sprintf("%s %s: %v", o.name(FieldProfile), path, err), Err: err}
		}
		if o.Runtime != "" && o.Runtime != prof.Name {
			return &Error{Field: FieldRuntime, Msg: fmt.Sprintf("%s %s contradicts %s %s, which is a profile of %s",
				o.name(FieldRuntime), o.Runtime, o.name(FieldProfile), path, prof.Name)}
		}
		p.Profile, p.ProfileSource = prof, path
		return nil
	}
	name := o.Runtime
	if name != "" {
		prof, err := runtime.Builtin(name)
		if err != nil {
			return &Error{Field: FieldRuntime, Msg: fmt.Sprintf("%s %s: %v", o.name(FieldRuntime), name, err), Err: err}
		}
		p.Profile, p.ProfileSource = prof, report.ProfileBuiltin
		return nil
	}
	name = p.Workload.Runtime
	if o.Interpreter != "" && sameKind(name, o.Interpreter) {
		name, p.ByInterpreter = o.Interpreter, true
	}
	if name == "" {
		name = "cpython"
	}
	prof, err := runtime.Builtin(name)
	if err != nil {
		// The workload keeps no place for its runtime: the file, unplaced.
		return &Error{Field: FieldWorkload, File: p.Workload.File, Msg: fmt.Sprintf("runtime %s: %v", name, err), Err: err}
	}
	p.Profile, p.ProfileSource = prof, report.ProfileBuiltin
	return nil
}

// sameKind says whether the interpreter's profile may stand in for the
// workload's runtime: none is given, or an alias that names no release
// (cpython, cpython-ft) and has the GIL when the interpreter's does.
func sameKind(workload, interpreter string) bool {
	if workload == "" {
		return true
	}
	alias := runtime.AliasOf(workload)
	return alias != "" && strings.HasSuffix(alias, "t") == strings.HasSuffix(interpreter, "t")
}

// resolveModels parses and checks the models o gives, else the workload's,
// else picks DefaultModels.
func (p *Plan) resolveModels(text []byte, o Overrides) error {
	prof := p.Profile
	check := func(expr string) (model.Deployment, error) {
		d, err := model.Parse(expr)
		if err == nil {
			err = prof.Check(d)
		}
		return d, err
	}
	switch {
	case o.NoModels:
	case len(o.Models) > 0:
		p.ModelsFrom = ModelsGiven
		for i, expr := range o.Models {
			d, err := check(expr)
			if err != nil {
				return o.ModelError(i, expr, err)
			}
			p.Models = append(p.Models, d)
		}
	case len(p.Workload.Models) > 0:
		p.ModelsFrom = ModelsWorkload
		for _, m := range p.Workload.Models {
			d, err := check(m.Expr)
			if err != nil {
				return workloadModelError(p.Workload, text, m, err)
			}
			p.Models = append(p.Models, d)
		}
	default:
		p.ModelsFrom = ModelsDefault
		p.Models = DefaultModels(p.Cores, prof)
	}
	return nil
}

// ModelError is the *Error of New for the mistaken model expr given as
// o.Models[i], for callers that parse model expressions of their own (a
// sweep's range), so that they report one the same way.
func (o Overrides) ModelError(i int, expr string, err error) *Error {
	return &Error{Field: FieldModels, Index: i,
		Msg: fmt.Sprintf("%s %q: %s", o.name(FieldModels), expr, modelReason(err, true)), Err: err}
}

// modelReason says what is wrong with a model, with the column within
// its expression when withCol is set and the mistake is past its start.
func modelReason(err error, withCol bool) string {
	var me *model.Error
	if !errors.As(err, &me) {
		return err.Error()
	}
	if withCol && me.Col > 1 {
		return "column " + strconv.Itoa(me.Col) + ": " + me.Msg
	}
	return me.Msg
}

// workloadModelError places a mistaken model of the workload's models: in
// its file, at the mistake within the expression.
func workloadModelError(wl *workload.Workload, text []byte, m workload.Model, err error) *Error {
	e := &Error{Field: FieldWorkload, Index: -1, File: wl.File, Err: err}
	if m.Pos.Line < 1 {
		e.Msg = fmt.Sprintf("model %q: %s", m.Expr, modelReason(err, true))
		return e
	}
	e.Line, e.Col, e.Msg = m.Pos.Line, m.Pos.Col, modelReason(err, false)
	var me *model.Error
	if errors.As(err, &me) {
		// A quoted scalar's position is its opening quote.
		if c := charAt(text, m.Pos); c == '"' || c == '\'' {
			e.Col++
		}
		// Columns count characters; an expression is ASCII when it parses
		// far enough to have a column past its first character.
		e.Col += max(me.Col, 1) - 1
	}
	return e
}

// charAt returns the character of text at pos (1-based line and column in
// characters), or 0 if there is none.
func charAt(text []byte, pos workload.Pos) rune {
	if pos.Line < 1 {
		return 0
	}
	lines := strings.SplitN(string(text), "\n", pos.Line+1)
	if pos.Line > len(lines) {
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

// DefaultModels are the four kinds of SPEC §1, less those the runtime
// lacks: sync, threads(min(32, cores+4)) (ThreadPoolExecutor's default
// size), asyncio and processes(cores).
func DefaultModels(cores int, prof runtime.Profile) []model.Deployment {
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

// CheckSteps refuses, with an *Error of FieldMaxSteps, a workload whose
// simulation would take more steps per model than o.MaxSteps (0: no
// bound), as Steps estimates them.
func (p *Plan) CheckSteps(wl *workload.Workload, o Overrides) error {
	n := p.Steps(wl)
	if o.MaxSteps <= 0 || n <= o.MaxSteps {
		return nil
	}
	how := " by default; raise with " + o.name(FieldMaxSteps)
	if o.MaxSteps != DefaultMaxSteps {
		how = ", as " + o.name(FieldMaxSteps) + " says"
	}
	return &Error{Field: FieldMaxSteps, Steps: n, Msg: fmt.Sprintf("workload %s needs about %s simulation steps per model (at most %s%s)",
		textsafe.Clean(wl.Name), numfmt.Thousands(n), numfmt.Thousands(o.MaxSteps), how)}
}

// Steps estimates the simulation steps of wl under the plan's models: its
// steps (workload.Steps), and, on a runtime with a GIL under a model whose
// threads share one, a forced switch for each switch interval of Python
// work (two CPU-bound threads hand the GIL over every interval: 2 tasks of
// 100h of work are 144 million switches).
func (p *Plan) Steps(wl *workload.Workload) int64 {
	n := wl.Steps()
	if !p.Profile.GIL || p.SwitchInterval <= 0 || !slices.ContainsFunc(p.Models, sharesGIL) {
		return n
	}
	switches := wl.PythonWork() / float64(p.SwitchInterval)
	if switches >= float64(math.MaxInt64-n) {
		return math.MaxInt64
	}
	return n + int64(switches)
}

// sharesGIL reports whether d runs tasks on several threads of one
// process, which then take turns on its GIL.
func sharesGIL(d model.Deployment) bool {
	switch d.Kind {
	case model.ThreadPool:
		return d.Threads > 1 || d.Fanout > 0
	case model.ThreadPerTask:
		return true
	case model.Processes:
		return d.Inner != nil && sharesGIL(*d.Inner)
	}
	return false
}

// Tasks is how many tasks the plan's workload runs, estimated for an open
// workload given by a time window.
func (p *Plan) Tasks() int {
	wl := p.Workload
	if wl.Arrivals != nil {
		return int(wl.ExpectedArrivals())
	}
	return wl.NumTasks()
}

// Config is the engine's configuration for the plan's workload under d.
func (p *Plan) Config(d model.Deployment) sim.Config {
	return sim.Config{
		Workload:       p.Workload,
		Deployment:     d,
		Profile:        p.Profile,
		Cores:          p.Cores,
		SwitchInterval: p.SwitchInterval,
	}
}

// Header is the header of the plan's JSON document (SPEC §5).
func (p *Plan) Header() report.Header {
	return report.Header{
		Workload:        p.Workload.Name,
		Runtime:         p.Profile.Name,
		Cores:           p.Cores,
		Profile:         report.ProfileRef{Name: p.Profile.Name, Source: p.ProfileSource},
		SwitchIntervalS: float64(p.SwitchInterval) / 1e9,
		Seed:            p.Workload.Seed,
	}
}

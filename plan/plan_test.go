package plan_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/workload"
)

func parse(t *testing.T, file, text string) *workload.Workload {
	t.Helper()
	wl, err := workload.Parse(file, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return wl
}

var cliNames = map[plan.Field]string{
	plan.FieldRuntime: "--runtime", plan.FieldProfile: "--profile", plan.FieldCores: "--cores",
	plan.FieldSwitchInterval: "--switch-interval", plan.FieldModels: "-m", plan.FieldMaxSteps: "--max-steps",
}

// TestErrors checks that each mistake is an *Error found with errors.As,
// naming its input and placed where it is: file, line and column for the
// workload's models: and a profile file, the index for a given model.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	badProfile := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badProfile, []byte("name: cpython\nbogus: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const one = "tasks: [{name: A, steps: [{wait: 1s}]}]\n"
	tests := []struct {
		name      string
		text      string // the workload, in w.yaml
		o         plan.Overrides
		field     plan.Field
		file      string
		line, col int
		index     int
		msg       string // the whole Error()
	}{
		{name: "unknown model in the file", text: one + "models: [sync, fibers]\n",
			field: plan.FieldWorkload, file: "w.yaml", line: 2, col: 16, index: -1},
		{name: "mistake inside a quoted model", text: one + "models: [\"threads(x)\"]\n",
			field: plan.FieldWorkload, file: "w.yaml", line: 2, col: 19, index: -1},
		{name: "mistake inside a plain model", text: one + "models:\n  - threads(0)\n",
			field: plan.FieldWorkload, file: "w.yaml", line: 3, col: 13, index: -1},
		{name: "given model", text: one, o: plan.Overrides{Models: []string{"sync", "threads(0)"}},
			field: plan.FieldModels, index: 1, msg: `model "threads(0)": column 9: `},
		{name: "given model, named as a flag", text: one, o: plan.Overrides{Models: []string{"fibers"}, Names: cliNames},
			field: plan.FieldModels, msg: `-m "fibers": `},
		{name: "model the runtime lacks", text: one, o: plan.Overrides{Runtime: "java", Models: []string{"asyncio"}},
			field: plan.FieldModels, msg: `model "asyncio": `},
		{name: "unknown runtime", text: one, o: plan.Overrides{Runtime: "cobol", Names: cliNames},
			field: plan.FieldRuntime, msg: `--runtime cobol: unknown runtime "cobol"`},
		{name: "profile file with a mistake", text: one, o: plan.Overrides{ProfileFile: badProfile},
			field: plan.FieldProfile, file: badProfile, line: 2, col: 1, msg: badProfile + ":2:1: unknown key"},
		{name: "missing profile file", text: one, o: plan.Overrides{ProfileFile: filepath.Join(dir, "none.yaml"), Names: cliNames},
			field: plan.FieldProfile, msg: "--profile " + filepath.Join(dir, "none.yaml") + ": "},
		{name: "cores", text: one, o: plan.Overrides{Cores: -1},
			field: plan.FieldCores, msg: "cores -1: want a whole number from 1 to"},
		{name: "switch interval", text: one, o: plan.Overrides{SwitchInterval: -time.Millisecond},
			field: plan.FieldSwitchInterval, msg: "switch_interval -1ms: want a positive duration"},
		{name: "switch interval too long", text: one, o: plan.Overrides{SwitchInterval: 3000 * time.Hour},
			field: plan.FieldSwitchInterval, msg: "switch_interval 3000h0m0s: too long"},
		{name: "too many steps", text: "tasks: [{name: A, count: 10, steps: [{wait: 1s}, {wait: 1s}]}]\n",
			o:     plan.Overrides{MaxSteps: 5, Names: cliNames},
			field: plan.FieldMaxSteps, msg: "workload w needs about 20 simulation steps per model (at most 5, as --max-steps says)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wl := parse(t, "w.yaml", tt.text)
			p, err := plan.New(wl, []byte(tt.text), tt.o)
			var pe *plan.Error
			if !errors.As(err, &pe) {
				t.Fatalf("New = %v, %v; want a *plan.Error", p, err)
			}
			line, col := pe.Pos()
			if pe.Field != tt.field || pe.File != tt.file || line != tt.line || col != tt.col ||
				(tt.field == plan.FieldModels || tt.field == plan.FieldWorkload) && pe.Index != tt.index {
				t.Errorf("error %+v: field %s, file %q, at %d:%d, index %d; want %s, %q, %d:%d, %d",
					pe, pe.Field, pe.File, line, col, pe.Index, tt.field, tt.file, tt.line, tt.col, tt.index)
			}
			if !strings.HasPrefix(err.Error(), tt.msg) {
				t.Errorf("message %q, want it to start with %q", err, tt.msg)
			}
		})
	}
}

// TestResolve checks the order of the rules: overrides, then the
// workload, then the defaults.
func TestResolve(t *testing.T) {
	const text = "runtime: cpython-ft\ncores: 3\nswitch_interval: 2ms\ntasks: [{name: A, steps: [{work: 1ms}]}]\nmodels: [asyncio]\n"
	tests := []struct {
		name       string
		text       string
		o          plan.Overrides
		runtime    string
		cores      int
		si         int64
		models     string
		modelsFrom plan.ModelSource
	}{
		{"the workload's", text, plan.Overrides{}, "cpython-ft", 3, 2e6, "asyncio", plan.ModelsWorkload},
		{"overridden", text, plan.Overrides{Runtime: "cpython", Cores: 2, SwitchInterval: time.Millisecond, Models: []string{"sync", "threads(2)"}},
			"cpython", 2, 1e6, "sync threads(2)", plan.ModelsGiven},
		{"defaults", "tasks: [{name: A, steps: [{work: 1ms}]}]\ncores: 4\n", plan.Overrides{},
			"cpython", 4, workload.DefaultSwitchInterval, "sync threads(8) asyncio processes(4)", plan.ModelsDefault},
		{"defaults of a runtime without asyncio", "tasks: [{name: A, steps: [{work: 1ms}]}]\ncores: 4\n", plan.Overrides{Runtime: "java"},
			"java", 4, workload.DefaultSwitchInterval, "sync threads(8) processes(4)", plan.ModelsDefault},
		{"no models", text, plan.Overrides{NoModels: true}, "cpython-ft", 3, 2e6, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := plan.New(parse(t, "w.yaml", tt.text), []byte(tt.text), tt.o)
			if err != nil {
				t.Fatal(err)
			}
			var ms []string
			for _, d := range p.Models {
				ms = append(ms, d.String())
			}
			if p.Profile.Name != tt.runtime || p.Cores != tt.cores || p.SwitchInterval != tt.si ||
				strings.Join(ms, " ") != tt.models || p.ModelsFrom != tt.modelsFrom || p.ProfileSource != report.ProfileBuiltin {
				t.Errorf("plan %s on %d cores, switch %d, models %q from %q (profile %s); want %s, %d, %d, %q from %q",
					p.Profile.Name, p.Cores, p.SwitchInterval, ms, p.ModelsFrom, p.ProfileSource,
					tt.runtime, tt.cores, tt.si, tt.models, tt.modelsFrom)
			}
			h := p.Header()
			if h.Runtime != tt.runtime || h.Cores != tt.cores || h.SwitchIntervalS != float64(tt.si)/1e9 || h.Seed != 1 || h.Profile.Source != report.ProfileBuiltin {
				t.Errorf("header %+v", h)
			}
		})
	}
}

// TestInterpreterRuntime: the profile of the interpreter that runs the
// workload stands in for a runtime that names no release, of its kind.
func TestInterpreterRuntime(t *testing.T) {
	const tasks = "tasks: [{name: A, steps: [{work: 1ms}]}]\n"
	tests := []struct {
		name, text, interp string
		o                  plan.Overrides
		want               string
		by                 bool
	}{
		{"no runtime", tasks, "cpython-3.12", plan.Overrides{}, "cpython-3.12", true},
		{"the alias cpython", "runtime: cpython\n" + tasks, "cpython-3.13", plan.Overrides{}, "cpython-3.13", true},
		{"the alias cpython-ft", "runtime: cpython-ft\n" + tasks, "cpython-3.13t", plan.Overrides{}, "cpython-3.13t", true},
		{"a release", "runtime: cpython-3.9\n" + tasks, "cpython-3.12", plan.Overrides{}, "cpython-3.9", false},
		{"another kind", "runtime: cpython-ft\n" + tasks, "cpython-3.12", plan.Overrides{}, "cpython-ft", false},
		{"java", "runtime: java\n" + tasks, "cpython-3.12", plan.Overrides{}, "java", false},
		{"--runtime", tasks, "cpython-3.12", plan.Overrides{Runtime: "cpython-3.8"}, "cpython-3.8", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			o.Interpreter = tt.interp
			p, err := plan.New(parse(t, "w.yaml", tt.text), []byte(tt.text), o)
			if err != nil {
				t.Fatal(err)
			}
			if p.Profile.Name != tt.want || p.ByInterpreter != tt.by {
				t.Errorf("runtime %s (by the interpreter: %v), want %s (%v)", p.Profile.Name, p.ByInterpreter, tt.want, tt.by)
			}
		})
	}
}

// TestWorkloadRuntime: a workload made in code (Parse refuses an unknown
// runtime itself) is told in its file, unplaced.
func TestWorkloadRuntime(t *testing.T) {
	wl := parse(t, "w.yaml", "tasks: [{name: A, steps: [{wait: 1s}]}]\n")
	wl.Runtime = "pypy"
	_, err := plan.New(wl, nil, plan.Overrides{})
	var pe *plan.Error
	if !errors.As(err, &pe) || pe.Field != plan.FieldWorkload || pe.Line != 0 || !strings.HasPrefix(err.Error(), "w.yaml: runtime pypy: ") {
		t.Errorf("error %v", err)
	}
}

func TestDefaultModels(t *testing.T) {
	p, err := plan.New(parse(t, "", "tasks: [{name: A, steps: [{wait: 1s}]}]\n"), nil, plan.Overrides{Cores: 5000 / 1000})
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Deployment{{Kind: model.Sync}, {Kind: model.ThreadPool, Threads: 9}, {Kind: model.Asyncio}, {Kind: model.Processes, Procs: 5}}
	if len(p.Models) != len(want) {
		t.Fatalf("models %v, want %v", p.Models, want)
	}
	for i := range want {
		if p.Models[i].String() != want[i].String() {
			t.Errorf("model %d: %s, want %s", i, p.Models[i], want[i])
		}
	}
}

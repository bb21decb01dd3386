package truth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/internal/toolchain"
)

// resolve is the test's Target of wl: its own models (else sync), the
// built-in profile of its runtime, 2 cores and its switch interval (else
// 5 ms).
func resolve(t *testing.T, wl *workload.Workload) Target {
	t.Helper()
	name := wl.Runtime
	if name == "" {
		name = "cpython"
	}
	prof, err := runtime.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	tg := Target{Workload: wl, Profile: prof, Cores: 2, SwitchInterval: wl.SwitchInterval}
	if tg.SwitchInterval == 0 {
		tg.SwitchInterval = workload.DefaultSwitchInterval
	}
	for _, m := range wl.Models {
		d, err := model.Parse(m.Expr)
		if err != nil {
			t.Fatal(err)
		}
		tg.Models = append(tg.Models, d)
	}
	if len(tg.Models) == 0 {
		tg.Models = []model.Deployment{{Kind: model.Sync}}
	}
	return tg
}

// TestScenarios: every scenario of the accuracy suite parses, can be
// checked (a CPython runtime, models this system runs) and simulates under
// each of its models with the spans and records a check keeps, and each
// model's program is written.
func TestScenarios(t *testing.T) {
	scenarios, err := Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	if len(scenarios) < 10 {
		t.Fatalf("%d scenarios; the suite has 16", len(scenarios))
	}
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			tg := resolve(t, sc.Workload)
			if len(sc.Workload.Models) == 0 {
				t.Error("the scenario lists no models: the suite runs a scenario under its own")
			}
			if err := checkTarget(tg, false, ""); err != nil {
				t.Fatal(err)
			}
			runs, err := predict(context.Background(), tg, true, true)
			if err != nil {
				t.Fatal(err)
			}
			for i, run := range runs {
				d := tg.Models[i]
				if run.Spans == nil || run.Result.Makespan <= 0 || len(run.Result.Records) != sc.Workload.NumTasks() {
					t.Errorf("%s: makespan %d, %d records of %d tasks, spans %v", d, run.Result.Makespan,
						len(run.Result.Records), sc.Workload.NumTasks(), run.Spans != nil)
				}
				var prog bytes.Buffer
				if err := Export(&prog, sc.Workload, d, ExportOptions{Cores: tg.Cores, SwitchInterval: tg.SwitchInterval}); err != nil {
					t.Errorf("%s: %v", d, err)
				}
			}
		})
	}
}

func TestCanRun(t *testing.T) {
	tests := []struct {
		model  string
		server bool
		want   string // on Windows; "" runs
	}{
		{"sync", false, ""},
		{"threads(4)", true, ""},
		{"processes(2, start=spawn)", false, ""},
		{"processes(2)", false, "its workers start with fork (start=spawn runs here)"},
		{"processes(2, start=forkserver)", false, "its workers start with forkserver (start=spawn runs here)"},
		{"asyncio", false, "the event loop's process pool starts its workers with fork"},
		{"processes(2, start=spawn)*asyncio", false, "the event loop's process pool"},
		{"processes(2, start=spawn)*threads(2)", false, ""},
		{"processes(2, start=spawn)", true, "its server forks its worker processes"},
		{"asyncio", true, "the event loop's process pool"},
	}
	for _, tt := range tests {
		d, err := model.Parse(tt.model)
		if err != nil {
			t.Fatal(err)
		}
		for _, goos := range []string{"linux", "darwin"} {
			if err := canRun(d, tt.server, goos); err != nil {
				t.Errorf("%s (server %v) on %s: %v", tt.model, tt.server, goos, err)
			}
		}
		err = canRun(d, tt.server, "windows")
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s (server %v) on windows: %v", tt.model, tt.server, err)
		case tt.want != "" && (!errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s (server %v) on windows: %v, want ErrUnsupported saying %q", tt.model, tt.server, err, tt.want)
		}
	}
}

func TestMatchRuntime(t *testing.T) {
	gil, _ := runtime.Builtin("cpython")
	ft, _ := runtime.Builtin("cpython-ft")
	py := &python.Interpreter{Path: "python3", Implementation: "CPython", Version: python.Version{Major: 3, Minor: 13, Micro: 1}}
	pyFT := *py
	pyFT.FreeThreaded = true
	v312, _ := runtime.Builtin("cpython-3.12")
	v313, _ := runtime.Builtin("cpython-3.13")
	v313t, _ := runtime.Builtin("cpython-3.13t")
	for _, tt := range []struct {
		prof runtime.Profile
		py   *python.Interpreter
		want string
	}{
		{gil, py, ""},
		{ft, &pyFT, ""},
		{ft, py, "runtime cpython-ft predicts a free-threaded CPython, but CPython 3.13.1 (python3) runs with the GIL"},
		{gil, &pyFT, "runtime cpython predicts a CPython with the GIL, but CPython 3.13.1 free-threaded (python3) is free-threaded"},
		// A release's profile wants that release; an alias any.
		{v312, py, "runtime cpython-3.12 predicts CPython 3.12, but python3 is CPython 3.13.1: give a CPython 3.12 with --python"},
		{v313, py, ""},
		{v313t, &pyFT, ""},
		{v313t, py, "runtime cpython-3.13t predicts a free-threaded CPython"},
	} {
		err := matchRuntime(tt.py, tt.prof)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s on %s: %v, want %q", tt.prof.Name, tt.py, err, tt.want)
		}
	}
}

func TestMedian(t *testing.T) {
	if got := median([]float64{0.3, 0.1, 0.2, 0.4}); math.Abs(got-0.25) > 1e-12 {
		t.Errorf("median of four = %v, want 0.25", got)
	}
	if got := median([]int64{5, 1, 3}); got != 3 {
		t.Errorf("median of three = %v, want 3", got)
	}
	// The lower median, the first of equals.
	if got := medianIndex([]int{4, 1, 3, 2}, func(a, b int) int { return a - b }); got != 3 {
		t.Errorf("medianIndex = %d, want 3 (the 2)", got)
	}
	if got := medianIndex([]int{7, 7, 7}, func(a, b int) int { return a - b }); got != 1 {
		t.Errorf("medianIndex of equals = %d, want 1", got)
	}
	med, worst := absErrors([]SuiteRow{{Error: -0.3}, {Error: 0.1}, {Error: 0.05}})
	if med != 0.1 || worst != 0.3 {
		t.Errorf("absErrors = %v, %v; want 0.1, 0.3", med, worst)
	}
}

// The fake interpreter: a shell script that answers python.Find's probe
// and, given a program, runs this test binary's TestFakePython, which
// acts out the program.
const (
	fakeEnv     = "CONCLAB_FAKE_PYTHON" // set in the fake's test binary
	fakeScales  = "CONCLAB_FAKE_SCALES" // "1,1.3": run k's steps last scale k times as long
	fakeCounter = "CONCLAB_FAKE_COUNTER"
	fakeMode    = "CONCLAB_FAKE_MODE" // "", fail, short (a task too few) or hang
)

// fakePython writes the fake interpreter, answering the probe with probe
// ("CPython 3.11.7 gil"), and sets its environment for the test.
func fakePython(t *testing.T, probe, scales, mode string) string {
	t.Helper()
	if goruntime.GOOS == "windows" {
		t.Skip("the fake interpreter is a shell script")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		testtool.Missing(t, "no sh on PATH: the fake interpreter is a shell script")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	script := "#!/bin/sh\n" +
		`if [ "$1" = "-c" ]; then echo "` + probe + `"; exit 0; fi` + "\n" +
		`exec "` + exe + `" -test.run='^TestFakePython$' -- "$@"` + "\n"
	path := filepath.Join(dir, "python")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(fakeEnv, "1")
	t.Setenv(fakeScales, scales)
	t.Setenv(fakeCounter, filepath.Join(dir, "runs"))
	t.Setenv(fakeMode, mode)
	return path
}

// fakeRuns is how many programs the fake ran.
func fakeRuns(t *testing.T) int {
	data, _ := os.ReadFile(os.Getenv(fakeCounter))
	return len(data)
}

// TestFakePython is the fake interpreter's program runner (see
// fakePython): it reads the workload out of the exported program, or the
// requests out of the exported server, and acts them out without running
// anything: every task on the main thread from its release, its steps one
// after another, each lasting its duration × this run's scale; a server
// answers each request at once.
func TestFakePython(t *testing.T) {
	if os.Getenv(fakeEnv) == "" {
		return // run as a test: nothing to do
	}
	err := actOut(os.Args[len(os.Args)-1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func actOut(program string) error {
	// MeasureWorkRate's program: a rate, and no run of a workload.
	if text, err := os.ReadFile(program); err == nil && bytes.HasSuffix(text, []byte("print(json.dumps(measure_work_rate()))\n")) {
		fmt.Println(1e7)
		return nil
	}
	counter := os.Getenv(fakeCounter)
	before, _ := os.ReadFile(counter)
	run := len(before) // 0-based
	if err := os.WriteFile(counter, append(before, '.'), 0o600); err != nil {
		return err
	}
	scale := 1.0
	if s := strings.Split(os.Getenv(fakeScales), ","); s[0] != "" {
		scale, _ = strconv.ParseFloat(s[run%len(s)], 64)
	}
	switch os.Getenv(fakeMode) {
	case "fail":
		return errors.New("Traceback (most recent call last):\nRuntimeError: boom")
	case "hang":
		time.Sleep(time.Minute)
	}
	text, err := os.ReadFile(program)
	if err != nil {
		return err
	}
	if filepath.Base(program) == "server.py" {
		return serve()
	}
	_, data, ok := bytes.Cut(text, []byte("json.loads('''"))
	data, _, ok2 := bytes.Cut(data, []byte("''')"))
	if !ok || !ok2 {
		return errors.New("no WORKLOAD in the program")
	}
	var wl struct {
		Workload, Model string
		Tasks           []struct {
			Name    string
			Release float64
			Steps   []any
		}
	}
	if err := json.Unmarshal(data, &wl); err != nil {
		return err
	}
	if os.Getenv(fakeMode) == "short" {
		wl.Tasks = wl.Tasks[1:]
	}
	pid := os.Getpid()
	var tasks []map[string]any
	makespan := 0.0
	for _, task := range wl.Tasks {
		at := task.Release
		var steps [][]any
		var act func(list []any)
		act = func(list []any) { // the steps of a use, choose or gather one after another
			for _, s := range list {
				s := s.([]any)
				switch s[0] {
				case "use", "choose":
					act(s[2].([]any))
				case "gather":
					for _, b := range s[1].([]any) {
						act(b.([]any))
					}
				default:
					d := s[1].(float64) * scale
					steps = append(steps, []any{s[0], at, at + d, pid, 1})
					at += d
				}
			}
		}
		for _, s := range task.Steps {
			act([]any{s})
		}
		tasks = append(tasks, map[string]any{"name": task.Name, "release": task.Release, "start": task.Release, "end": at, "steps": steps})
		makespan = max(makespan, at)
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"format": Format, "workload": wl.Workload, "model": wl.Model, "python": "3.11.7", "implementation": "cpython",
		"cpu_count": 2, "switch_interval": 0.005, "makespan": makespan, "cpu_s": 0.001,
		"main": []int{pid, 1}, "workers": []any{}, "tasks": tasks,
	})
}

// serve stands in for an exported server: it prints its port and answers
// every request with 200 at once (GET /cpu with no CPU spent), until it is
// killed.
func serve() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(l.Addr().(*net.TCPAddr).Port)
	return http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cpu" {
			w.Write([]byte("0.0"))
			return
		}
		w.Write([]byte("ok"))
	}))
}

// TestCheckFake: Check simulates, runs each model's program Repeat times,
// keeps the median and compares; the fake's runs last 1, 1.3 and 1.1
// times the steps' durations.
func TestCheckFake(t *testing.T) {
	py := fakePython(t, "CPython 3.11.7 gil", "1,1.3,1.1", "")
	wl, err := workload.ParseInline("2 x [wait 100ms]")
	if err != nil {
		t.Fatal(err)
	}
	tg := resolve(t, wl)
	tg.Models = []model.Deployment{{Kind: model.ThreadPool, Threads: 2}, {Kind: model.Sync}}
	var said []string
	rep, err := Check(context.Background(), CheckConfig{Target: tg, Python: py, Repeat: 3, SpanTasks: 100, Noise: quietNoise(),
		Progress: func(p Progress) { said = append(said, fmt.Sprintf("%s %s %d/%d", p.Workload, p.Model, p.Run, p.Runs)) }})
	if err != nil {
		t.Fatal(err)
	}
	if n := fakeRuns(t); n != 6 {
		t.Errorf("the fake ran %d programs, want 3 runs × 2 models", n)
	}
	want := []string{"inline threads(2) 1/3", "inline threads(2) 2/3", "inline threads(2) 3/3", "inline sync 1/3", "inline sync 2/3", "inline sync 3/3"}
	if strings.Join(said, "; ") != strings.Join(want, "; ") {
		t.Errorf("progress %q, want %q", said, want)
	}
	if rep.Python.Path != py || rep.Python.Version.String() != "3.11.7" || rep.Repeat != 3 || len(rep.Models) != 2 {
		t.Fatalf("report: python %+v, repeat %d, %d models", rep.Python, rep.Repeat, len(rep.Models))
	}
	// Every task runs from 0 for 100 ms × the scale: the median run is
	// the third, 110 ms.
	for _, c := range rep.Models {
		meas := c.Measured.Result
		if meas.Makespan != 110*int64(time.Millisecond) || c.Measured.Spans == nil || c.Predicted.Spans == nil {
			t.Errorf("%s: measured makespan %d, spans %v, predicted spans %v", c.Model, meas.Makespan, c.Measured.Spans != nil, c.Predicted.Spans != nil)
		}
		if want := RelErr(c.Predicted.Result.Makespan, meas.Makespan); c.Comparison.Makespan != want || len(c.Comparison.Tasks) != 2 {
			t.Errorf("%s: comparison %+v, want makespan error %v", c.Model, c.Comparison, want)
		}
	}
	// threads(2) runs both waits at once, as the fake does; sync runs
	// them one after another, which the fake does not.
	if off := rep.Beyond(0.2); len(off) != 1 || off[0].Model.Kind != model.Sync {
		t.Errorf("beyond 20%%: %+v, want sync alone", off)
	}

	// Without SpanTasks, no spans are kept.
	rep, err = Check(context.Background(), CheckConfig{Target: tg, Python: py, Repeat: 1, Noise: quietNoise()})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Models[0]; c.Predicted.Spans != nil || c.Measured.Spans != nil {
		t.Error("spans kept without SpanTasks")
	}
}

// TestCheckRefuses: what cannot be checked is refused before anything
// runs, and is not a RunError; what fails while running is.
func TestCheckRefuses(t *testing.T) {
	wl, err := workload.ParseInline("2 x [wait 10ms]")
	if err != nil {
		t.Fatal(err)
	}
	tg := resolve(t, wl)
	jython := tg
	jython.Profile, _ = runtime.Builtin("java")
	jython.Profile.Name = "jython"
	ft := tg
	ft.Profile, _ = runtime.Builtin("cpython-ft")
	open, err := workload.Parse("open.yaml", []byte(smallServer))
	if err != nil {
		t.Fatal(err)
	}
	good := fakePython(t, "CPython 3.11.7 gil", "", "")
	for _, tt := range []struct {
		name   string
		target Target
		python string
		is     error
		want   string
	}{
		{"jython", jython, good, nil, "export and verify know programs for the CPython runtimes (cpython, cpython-3.12, cpython-ft, …), java and go"},
		{"no python", tg, filepath.Join(t.TempDir(), "none"), python.ErrNoPython, "not found"},
		{"old python", tg, fakePython(t, "CPython 3.7.2 gil", "", ""), python.ErrOldPython, "is Python 3.7.2"},
		{"gil for cpython-ft", ft, good, nil, "runs with the GIL"},
		{"open workload", resolve(t, open), good, nil, "check it with CheckOpen"},
	} {
		_, err := Check(context.Background(), CheckConfig{Target: tt.target, Python: tt.python, Repeat: 1})
		var re *RunError
		if err == nil || errors.As(err, &re) || tt.is != nil && !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error that is not a RunError saying %q", tt.name, err, tt.want)
		}
	}
	java := tg
	java.Profile, _ = runtime.Builtin("java")
	_, err = Check(context.Background(), CheckConfig{Target: java, Toolchain: filepath.Join(t.TempDir(), "java"), Repeat: 1})
	if !errors.Is(err, toolchain.ErrNoToolchain) || !strings.Contains(err.Error(), "runtime java needs a JDK 11 or newer") {
		t.Errorf("java without a JDK: %v", err)
	}
	if n := fakeRuns(t); n != 0 {
		t.Errorf("the fake ran %d programs of what was refused", n)
	}

	for _, tt := range []struct{ mode, want string }{
		{"fail", "inline under sync, run 1: the program failed: exit status 1: RuntimeError: boom"},
		{"short", "inline under sync: the program ran 1 tasks, the simulation 2"},
		{"hang", "inline under sync, run 1: the program ran longer than 200ms and was stopped"},
	} {
		py := fakePython(t, "CPython 3.11.7 gil", "", tt.mode)
		_, err := Check(context.Background(), CheckConfig{Target: tg, Python: py, Repeat: 2, Timeout: 200 * time.Millisecond})
		var re *RunError
		if !errors.As(err, &re) || err.Error() != tt.want {
			t.Errorf("%s: %v, want a RunError %q", tt.mode, err, tt.want)
		}
	}

	// Interrupted: the context's error, as a RunError.
	py := fakePython(t, "CPython 3.11.7 gil", "", "hang")
	ctx, cancel := context.WithCancel(context.Background())
	tg.Models = []model.Deployment{{Kind: model.Sync}}
	_, err = Check(ctx, CheckConfig{Target: tg, Python: py, Repeat: 1, Progress: func(Progress) {
		time.AfterFunc(100*time.Millisecond, cancel)
	}})
	var re *RunError
	if !errors.As(err, &re) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want a RunError of context.Canceled", err)
	}
}

// TestSuiteFake runs the whole accuracy suite on the fake interpreter:
// a row per model of every scenario, and the median and worst |error| of
// those rows.
func TestSuiteFake(t *testing.T) {
	py := fakePython(t, "CPython 3.11.7 gil", "1.05", "")
	scenarios, err := Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	models := 0
	for _, sc := range scenarios {
		models += len(sc.Workload.Models)
	}
	var resolved []string
	rep, err := Suite(context.Background(), SuiteConfig{Python: py, Repeat: 1, Noise: quietNoise(),
		Resolve: func(sc Scenario) (Target, error) {
			resolved = append(resolved, sc.Name)
			return resolve(t, sc.Workload), nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resolved) != len(scenarios) || len(rep.Rows) != models || fakeRuns(t) != models {
		t.Fatalf("%d scenarios resolved of %d, %d rows and %d runs for %d models", len(resolved), len(scenarios), len(rep.Rows), fakeRuns(t), models)
	}
	for _, r := range rep.Rows {
		if r.Predicted <= 0 || r.Measured <= 0 || r.Error != RelErr(r.Predicted, r.Measured) {
			t.Errorf("row %+v", r)
		}
	}
	if med, worst := absErrors(rep.Rows); rep.MedianAbsError != med || rep.WorstAbsError != worst || worst == 0 {
		t.Errorf("median %v, worst %v; want %v, %v", rep.MedianAbsError, rep.WorstAbsError, med, worst)
	}
	if rep.WorkRate != 1e7 || !rep.LoadKnown || rep.Busy != 0 || rep.QuietWorst != rep.WorstAbsError {
		t.Errorf("work rate %v, load known %v, %d busy rows, quiet worst %v", rep.WorkRate, rep.LoadKnown, rep.Busy, rep.QuietWorst)
	}

	_, err = Suite(context.Background(), SuiteConfig{Python: py, Resolve: func(sc Scenario) (Target, error) {
		tg := resolve(t, sc.Workload)
		tg.Profile, _ = runtime.Builtin("go")
		return tg, nil
	}})
	// Go runs the suite too, but only the models its program has: a
	// Resolve that keeps asyncio is refused before anything runs.
	if err == nil || !strings.Contains(err.Error(), ": model asyncio: go has no asyncio") {
		t.Errorf("a Go profile with the scenarios' asyncio models: %v", err)
	}
}

// TestCheckOpenFake: CheckOpen serves each model's requests on the fake's
// server (which answers at once), keeps the run of the median p50, and
// judges it.
func TestCheckOpenFake(t *testing.T) {
	py := fakePython(t, "CPython 3.11.7 gil", "", "")
	wl, err := workload.Parse("open.yaml", []byte("name: open\narrivals: {rate: 50/s, count: 20}\ntasks:\n  - name: req\n    steps: [{wait: 20ms}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	tg := resolve(t, wl)
	tg.Models = []model.Deployment{{Kind: model.ThreadPool, Threads: 4}}
	var said []Progress
	rep, err := CheckOpen(context.Background(), OpenConfig{Target: tg, Python: py, Repeat: 3, Progress: func(p Progress) { said = append(said, p) }})
	if err != nil {
		t.Fatal(err)
	}
	// Three runs of the load, after one that measures the server's own
	// cost per request (RequestCost: none, here).
	if fakeRuns(t) != 4 || len(said) != 3 || said[0].Server == nil || said[0].Requests != 20 || rep.Requests != 20 || rep.Models[0].Cost != 0 {
		t.Fatalf("%d runs, progress %+v, %d requests", fakeRuns(t), said, rep.Requests)
	}
	c := rep.Models[0]
	if c.Runner != Stdlib || c.Measured.OK != 20 || c.Measured.Errors != 0 {
		t.Errorf("%s on %s: %d ok, %d failed", c.Model, c.Runner, c.Measured.OK, c.Measured.Errors)
	}
	// The fake answers at once; 20 ms were predicted.
	if c.P50 > -0.5 || len(c.Verdicts(0.1)) == 0 || len(c.Verdicts(100)) != 0 {
		t.Errorf("p50 error %v, verdicts %q at 10%% and %q at 10000%%", c.P50, c.Verdicts(0.1), c.Verdicts(100))
	}
}

// TestServerFailuresUnderOverload: failed requests are a miss where the
// prediction has every request answered, and not where it finds the
// model overloaded (a real server's listen backlog overflows then, and the
// kernel resets connections that wait too long: 117 of 1,920 for
// examples/api-io.yaml's sync server, its answered requests' p50 −4.9 %).
// The load generator waits for an answer as long as the prediction's
// slowest takes, half as long again and 10 s more.
func TestServerFailuresUnderOverload(t *testing.T) {
	for _, over := range []bool{false, true} {
		c := ServerCheck{Predicted: report.Run{Result: &sim.Result{Overloaded: over}},
			Measured: &LoadResult{Sent: 20, OK: 18, Errors: 2, FirstErr: "request 7: connection reset by peer"}}
		got := c.Verdicts(0.1)
		if over != (len(got) == 0) {
			t.Errorf("overloaded %v: verdicts %q", over, got)
		}
	}
	for _, tt := range []struct {
		max  int64
		want time.Duration
	}{{0, 30 * time.Second}, {int64(10 * time.Second), 30 * time.Second}, {int64(184 * time.Second), 286 * time.Second}} {
		if got := RequestTimeout(tt.max); got != tt.want {
			t.Errorf("RequestTimeout(%v) = %v, want %v", time.Duration(tt.max), got, tt.want)
		}
	}
}

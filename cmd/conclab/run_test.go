package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/runtime"
)

type jsonResult struct {
	Workload string `json:"workload"`
	Runtime  string `json:"runtime"`
	Cores    int    `json:"cores"`
	Version  string `json:"version"`
	Profile  struct {
		Name   string `json:"name"`
		Source string `json:"source"`
	} `json:"profile"`
	SwitchIntervalS float64 `json:"switch_interval_s"`
	Seed            uint64  `json:"seed"`
	Results         []struct {
		Model        string            `json:"model"`
		MakespanS    float64           `json:"makespan_s"`
		Tasks        []json.RawMessage `json:"tasks"`
		TasksOmitted string            `json:"tasks_omitted"`
	} `json:"results"`
}

// runJSON runs conclab with args plus --format json and decodes the result.
func runJSON(t *testing.T, args ...string) jsonResult {
	t.Helper()
	r := conclab(t, nil, append(args, "--format", "json")...)
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("%v: exit %d, stderr %q", args, r.code, r.stderr)
	}
	var doc jsonResult
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, r.stdout)
	}
	return doc
}

func makespans(doc jsonResult) map[string]float64 {
	m := map[string]float64{}
	for _, r := range doc.Results {
		m[r.Model] = r.MakespanS
	}
	return m
}

func TestRunSeedIO(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		want  map[string]float64 // model → makespan in seconds, within 1%
		tasks int
	}{
		{"example", []string{"run", "seed-io"},
			map[string]float64{"sync": 6, "threads(3)": 2, "asyncio": 2}, 3},
		{"inline", []string{"run", "-e", "3 x [wait 2s]", "-m", "sync", "-m", "threads(3)", "-m", "asyncio"},
			map[string]float64{"sync": 6, "threads(3)": 2, "asyncio": 2}, 3},
		{"models override", []string{"run", "seed-io", "-m", "threads(2)", "-m", "sync,asyncio(limit=1, executor=2)"},
			map[string]float64{"threads(2)": 4, "sync": 6, "asyncio(limit=1, executor=2)": 6}, 3},
		{"java threads", []string{"run", "seed-io", "--runtime", "java", "-m", "threads(3)"},
			map[string]float64{"threads(3)": 2}, 3},
		{"stdin", []string{"run", "-", "-m", "sync"}, map[string]float64{"sync": 6}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc jsonResult
			if tt.name == "stdin" {
				data, _ := os.ReadFile("../../examples/seed-io.yaml")
				r := conclabStdin(t, string(data), nil, append(tt.args, "--format", "json")...)
				if r.code != exitOK {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
					t.Fatal(err)
				}
			} else {
				doc = runJSON(t, tt.args...)
			}
			got := makespans(doc)
			if len(got) != len(tt.want) {
				t.Errorf("models %v, want those of %v", got, tt.want)
			}
			for m, want := range tt.want {
				if g, ok := got[m]; !ok || math.Abs(g-want) > 0.01*want {
					t.Errorf("%s: makespan %v s, want %v s within 1%%", m, g, want)
				}
			}
			for _, r := range doc.Results {
				if len(r.Tasks) != tt.tasks {
					t.Errorf("%s: %d tasks listed, want %d", r.Model, len(r.Tasks), tt.tasks)
				}
			}
		})
	}
}

func TestRunDefaults(t *testing.T) {
	// No models anywhere: the four kinds, sized by the cores.
	doc := runJSON(t, "run", "-e", "2 x [work 10ms]", "--cores", "2")
	var models []string
	for _, r := range doc.Results {
		models = append(models, r.Model)
	}
	if got, want := strings.Join(models, " "), "sync threads(6) asyncio processes(2)"; got != want {
		t.Errorf("default models %q, want %q", got, want)
	}
	if doc.Cores != 2 || doc.Runtime != "cpython" || doc.Workload != "inline" {
		t.Errorf("header %s/%s/%d, want inline/cpython/2", doc.Workload, doc.Runtime, doc.Cores)
	}
	// java has no asyncio: it is left out of the defaults.
	doc = runJSON(t, "run", "-e", "2 x [work 10ms]", "--cores", "4", "--runtime", "java")
	models = nil
	for _, r := range doc.Results {
		models = append(models, r.Model)
	}
	if got, want := strings.Join(models, " "), "sync threads(8) processes(4)"; got != want {
		t.Errorf("java default models %q, want %q", got, want)
	}
	// --no-tasks drops the task list and says so.
	doc = runJSON(t, "run", "seed-io", "--no-tasks")
	for _, r := range doc.Results {
		if len(r.Tasks) != 0 || r.TasksOmitted == "" {
			t.Errorf("%s: --no-tasks gave %d tasks, tasks_omitted %q", r.Model, len(r.Tasks), r.TasksOmitted)
		}
	}
}

func TestRunSwitchInterval(t *testing.T) {
	lat := func(args ...string) float64 {
		r := conclab(t, nil, append(args, "--format", "json")...)
		var doc struct {
			Results []struct {
				Tasks []struct {
					Name string  `json:"name"`
					EndS float64 `json:"end_s"`
				} `json:"tasks"`
			} `json:"results"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("%v: %v (%s)", args, err, r.stderr)
		}
		return doc.Results[0].Tasks[0].EndS
	}
	d5 := lat("run", "convoy")
	d1 := lat("run", "convoy", "--switch-interval", "1ms")
	f1 := lat("run", "convoy-1ms")
	if !(d1 < d5/2) || d1 != f1 {
		t.Errorf("io end: 5ms %v s, --switch-interval 1ms %v s, convoy-1ms %v s", d5, d1, f1)
	}
}

func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"step.yaml":   "tasks:\n  - steps:\n      - sleep: 2s\n",
		"dur.yaml":    "tasks:\n  - steps:\n      - wait: 2 seconds\n",
		"neg.yaml":    "tasks:\n  - count: -3\n    steps: [{wait: 1s}]\n",
		"key.yaml":    "tasks:\n  - steps: [{wait: 1s}]\n    colour: red\n",
		"broken.yaml": "tasks: [\n  - steps: [{wait: 1s}]\n",
		"bin.yaml":    "\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe",
		"utf.yaml":    "name: caf\xe9\ntasks: []\n",
		"model.yaml":  "tasks:\n  - steps: [{wait: 1s}]\nmodels: [sync, fibers]\n",
		"zero.yaml":   "tasks:\n  - steps: [{wait: 1s}]\nmodels:\n  - \"threads(0)\"\n",
		"java.yaml":   "runtime: java\ntasks:\n  - steps: [{wait: 1s}]\nmodels: [threads(2), asyncio]\n",
		"ok.yaml":     "tasks:\n  - steps: [{wait: 1s}]\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name string
		args []string
		want string // the start of the one line on stderr
	}{
		{"unknown step kind", []string{"run", f("step.yaml")}, f("step.yaml") + `:3:9: unknown step kind "sleep"`},
		{"malformed duration", []string{"run", f("dur.yaml")}, f("dur.yaml") + `:3:15: invalid duration "2 seconds"`},
		{"negative count", []string{"run", f("neg.yaml")}, f("neg.yaml") + ":2:12: count must be"},
		{"unknown key", []string{"run", f("key.yaml")}, f("key.yaml") + `:3:5: unknown key "colour"`},
		{"broken YAML", []string{"run", f("broken.yaml")}, f("broken.yaml") + ":1:8: "},
		{"binary file", []string{"run", f("bin.yaml")}, f("bin.yaml") + ":1:8: not a text file"},
		{"not UTF-8", []string{"run", f("utf.yaml")}, f("utf.yaml") + ":1:10: not a text file"},
		{"unknown model in YAML", []string{"run", f("model.yaml")}, f("model.yaml") + `:3:16: unknown model "fibers"`},
		{"threads(0) in YAML", []string{"run", f("zero.yaml")}, f("zero.yaml") + ":4:14: threads(0): a pool needs at least 1 thread"},
		{"asyncio on java in YAML", []string{"run", f("java.yaml")}, f("java.yaml") + `:4:22: model "asyncio" is not available on runtime java`},
		{"unknown model via -m", []string{"run", "seed-io", "-m", "fibers"}, `conclab: -m "fibers": unknown model "fibers"`},
		{"threads(0) via -m", []string{"run", "seed-io", "-m", "threads(0)"}, `conclab: -m "threads(0)": column 9: threads(0)`},
		{"asyncio on java via flags", []string{"run", "seed-io", "--runtime", "java", "-m", "asyncio"}, `conclab: -m "asyncio": model "asyncio" is not available on runtime java`},
		{"models checked before running", []string{"run", "seed-io", "-m", "sync", "-m", "fibers"}, `conclab: -m "fibers"`},
		{"eager before 3.12", []string{"run", "seed-io", "-m", "asyncio(eager)"},
			`conclab: -m "asyncio(eager)": model "asyncio(eager)" is not available on runtime cpython: asyncio(eager) is asyncio.eager_task_factory, new in CPython 3.12`},
		{"the same runtime twice", []string{"run", "seed-io", "--runtime", "cpython-3.9", "--runtime", "cpython-3.9"}, "conclab: --runtime cpython-3.9 given twice"},
		{"explain compares no runtimes", []string{"explain", "seed-io", "-m", "sync", "--runtime", "cpython", "--runtime", "java"},
			"conclab: --runtime given 2 times; conclab run compares runtimes side by side, explain takes one"},
		{"a missing --python", []string{"run", "seed-io", "--python", f("nosuch-python")}, "conclab: --python: no usable Python: " + f("nosuch-python") + " not found"},
		{"unknown flag", []string{"run", "seed-io", "--bogus"}, "conclab: unknown flag: --bogus"},
		{"unknown shorthand", []string{"run", "seed-io", "-z"}, "conclab: unknown shorthand flag: 'z' in -z"},
		{"missing file", []string{"run", f("nosuch.yaml")}, "conclab: " + f("nosuch.yaml") + ": no such file"},
		{"directory", []string{"run", dir}, "conclab: " + dir + ": is a directory"},
		{"inline error", []string{"run", "-e", "3 x [wait 2s"}, "-e:1:"},
		{"empty inline", []string{"run", "-e", " "}, "conclab: -e: empty inline workload"},
		{"output is a directory", []string{"run", f("ok.yaml"), "-o", dir}, "conclab: -o " + dir + ": is a directory"},
		{"file and inline", []string{"run", f("ok.yaml"), "-e", "3 x [wait 2s]"}, "conclab: give a workload FILE or NAME, or -e INLINE, not both"},
		{"no workload", []string{"run"}, "conclab: missing workload"},
		{"two files", []string{"run", f("ok.yaml"), f("ok.yaml")}, "conclab: accepts at most 1 arg(s)"},
		{"unknown runtime", []string{"run", f("ok.yaml"), "--runtime", "cobol"}, `conclab: --runtime cobol: unknown runtime "cobol"`},
		{"bad cores", []string{"run", f("ok.yaml"), "--cores", "0"}, "conclab: --cores 0"},
		{"bad cores text", []string{"run", f("ok.yaml"), "--cores", "many"}, `conclab: invalid argument "many" for "--cores" flag`},
		{"bad switch interval", []string{"run", f("ok.yaml"), "--switch-interval", "5"}, `conclab: invalid argument "5" for "--switch-interval" flag`},
		{"negative switch interval", []string{"run", f("ok.yaml"), "--switch-interval", "-1ms"}, "conclab: --switch-interval -1ms"},
		{"unknown format", []string{"run", f("ok.yaml"), "--format", "pdf"}, `conclab: invalid --format "pdf" (want text, json, svg, html or trace)`},
		{"missing profile", []string{"run", f("ok.yaml"), "--profile", f("nosuch-profile.yaml")}, "conclab: --profile " + f("nosuch-profile.yaml")},
		{"profile not a profile", []string{"run", f("ok.yaml"), "--profile", f("ok.yaml")}, f("ok.yaml") + `:1:1: unknown key "tasks"`},
		{"unknown example", []string{"examples", "nosuch"}, `conclab: no built-in example "nosuch"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := conclab(t, nil, tt.args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d", r.code, exitUsage)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
				t.Errorf("stderr is not one line: %q", r.stderr)
			}
			if !strings.HasPrefix(r.stderr, tt.want) {
				t.Errorf("stderr %q, want it to start with %q", r.stderr, tt.want)
			}
		})
	}
}

func TestRunOutputFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.json")
	want := conclab(t, nil, "run", "seed-io", "--format", "json").stdout
	r := conclab(t, nil, "run", "seed-io", "--format", "json", "-o", out)
	if r.code != exitOK || r.stdout != "" || r.stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil || string(got) != want || want == "" {
		t.Errorf("-o wrote %q (%v), want %q", got, err, want)
	}
	// A report is meant to be shared: readable by others, like any new file.
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("-o file mode %v (%v), want -rw-r--r--", st.Mode().Perm(), err)
	}

	// Text into a file: no colour even if the terminal would take it.
	txt := filepath.Join(dir, "out.txt")
	if r := conclab(t, nil, "run", "seed-io", "-o", txt); r.code != exitOK {
		t.Fatalf("text -o: exit %d: %s", r.code, r.stderr)
	}
	data, _ := os.ReadFile(txt)
	checkLines(t, string(data), 100)

	// On error nothing is written, not even a temporary file.
	bad := filepath.Join(dir, "bad.json")
	r = conclab(t, nil, "run", "seed-io", "-m", "fibers", "-o", bad)
	if r.code != exitUsage {
		t.Errorf("exit %d, want %d", r.code, exitUsage)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("-o %s exists after an error (%v)", bad, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only out.json and out.txt", names)
	}

	// A directory that does not exist is bad input, refused before any
	// work: exit 2.
	r = conclab(t, nil, "run", "seed-io", "-o", filepath.Join(dir, "no", "such", "dir", "x.json"))
	if r.code != exitUsage || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("unwritable -o: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestRunTextOutput(t *testing.T) {
	for _, name := range []string{"seed-io", "seed-cpu", "convoy", "mixed", "offload", "memory"} {
		t.Run(name, func(t *testing.T) {
			// Not a terminal: 100 columns, or as many as COLUMNS says.
			r := conclab(t, []string{"NO_COLOR=1", "COLUMNS=300"}, "run", name)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			checkLines(t, r.stdout, 300)
			r = conclab(t, []string{"NO_COLOR=1"}, "run", name)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			checkLines(t, r.stdout, 100)
			if !strings.HasPrefix(r.stdout, name+" · runtime cpython · ") {
				t.Errorf("header: %q", strings.SplitN(r.stdout, "\n", 2)[0])
			}
			if !strings.Contains(r.stdout, "makespan") {
				t.Errorf("no table or timeline:\n%s", r.stdout)
			}
		})
	}
	// Too many tasks for a timeline: a one-line note instead.
	r := conclab(t, []string{"NO_COLOR=1"}, "run", "-e", "30000 x [wait 1s]", "-m", "asyncio")
	if r.code != exitOK || !strings.Contains(r.stdout, "no timeline for 30,000 tasks (at most 20,000)") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", r.code, r.stderr, r.stdout)
	}
	checkLines(t, r.stdout, 100)
}

// Poisson arrivals over a window draw a count of their own: the header
// says the expected count is approximate and how many were drawn, and the
// table what an overloaded model serves of the rate offered.
func TestRunOpenCounts(t *testing.T) {
	r := conclab(t, []string{"NO_COLOR=1"}, "run", "api-io")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	head := strings.SplitN(r.stdout, "\n", 2)[0]
	if !strings.HasSuffix(head, " · about 2,000 tasks (Poisson: 1,920 drawn)") {
		t.Errorf("header: %q", head)
	}
	flat := strings.Join(strings.Fields(r.stdout), " ")
	if want := "of 192/s offered, sync serves 9.93/s, threads(16) 151/s"; !strings.Contains(flat, want) {
		t.Errorf("the table's note does not say %q:\n%s", want, r.stdout)
	}
	// A uniform stream draws exactly rate × window.
	uni := writeTemp(t, "uni.yaml", "arrivals: {rate: 100/s, for: 1s, pattern: uniform}\ntasks: [{name: r, steps: [{wait: 10ms}]}]\n")
	r = conclab(t, []string{"NO_COLOR=1"}, "run", uni, "-m", "asyncio")
	if head := strings.SplitN(r.stdout, "\n", 2)[0]; r.code != exitOK || !strings.HasSuffix(head, " · 100 tasks") {
		t.Errorf("exit %d, header %q, stderr %s", r.code, head, r.stderr)
	}
}

func TestSplitModels(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"sync"}, "sync"},
		{[]string{"sync,threads(3)", "asyncio"}, "sync|threads(3)|asyncio"},
		{[]string{"asyncio(limit=1, executor=2)"}, "asyncio(limit=1, executor=2)"},
		{[]string{"processes(2, start=spawn)*threads(4), sync"}, "processes(2, start=spawn)*threads(4)|sync"},
		{[]string{"threads(3"}, "threads(3"},
	}
	for _, tt := range tests {
		if got := strings.Join(splitModels(tt.in), "|"); got != tt.want {
			t.Errorf("splitModels(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRunRuntimeAndProfile(t *testing.T) {
	dir := t.TempDir()
	prof, err := runtime.Builtin("cpython-ft")
	if err != nil {
		t.Fatal(err)
	}
	data, err := prof.YAML()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ft.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	want := 1.0 * prof.Slowdown
	for _, tt := range []struct {
		args   []string
		source string // the profile's, in the document
	}{
		{[]string{"run", "seed-cpu", "--runtime", "cpython-ft", "-m", "threads(2)"}, "builtin"},
		{[]string{"run", "seed-cpu", "--profile", path, "-m", "threads(2)"}, path},
		{[]string{"run", "seed-cpu", "--profile", path, "--runtime", "cpython-ft", "-m", "threads(2)"}, path},
	} {
		args := tt.args
		doc := runJSON(t, args...)
		if doc.Runtime != "cpython-ft" || doc.Profile.Name != "cpython-ft" || doc.Profile.Source != tt.source {
			t.Errorf("%v: runtime %q, profile %+v; want cpython-ft from %s", args, doc.Runtime, doc.Profile, tt.source)
		}
		if got := doc.Results[0].MakespanS; math.Abs(got-want) > 0.02*want {
			t.Errorf("%v: makespan %v s, want ≈ %v s", args, got, want)
		}
	}
	r := conclab(t, nil, "run", "seed-cpu", "--profile", path, "--runtime", "java")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--runtime java contradicts --profile") {
		t.Errorf("contradicting --runtime: exit %d, stderr %q", r.code, r.stderr)
	}
	// The workload's cores (2) unless --cores says otherwise.
	if doc := runJSON(t, "run", "seed-cpu", "-m", "processes(2)"); doc.Cores != 2 {
		t.Errorf("cores %d, want the workload's 2", doc.Cores)
	}
	doc := runJSON(t, "run", "seed-cpu", "-m", "processes(2)", "--cores", "1")
	if got := doc.Results[0].MakespanS; doc.Cores != 1 || got < 2 {
		t.Errorf("--cores 1: cores %d, makespan %v s, want 1 core and ≥ 2 s", doc.Cores, got)
	}
}

// TestRunRuntimes: --runtime given more than once compares the runtimes in
// one table, a model's rows together, each result saying its runtime.
func TestRunRuntimes(t *testing.T) {
	args := []string{"run", "seed-cpu", "-m", "threads(2)", "-m", "sync", "--runtime", "cpython-3.8", "--runtime", "cpython-3.13t"}
	r := conclab(t, nil, append(args, "--format", "json")...)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		Runtime string
		Results []struct {
			Model, Runtime string
			MakespanS      float64 `json:"makespan_s"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, res := range doc.Results {
		got = append(got, res.Model+" "+res.Runtime)
	}
	want := "threads(2) cpython-3.8, threads(2) cpython-3.13t, sync cpython-3.8, sync cpython-3.13t"
	if doc.Runtime != "cpython-3.8" || strings.Join(got, ", ") != want {
		t.Fatalf("runtime %s, results %q; want cpython-3.8 first, then %s", doc.Runtime, got, want)
	}
	// With the GIL two threads of 1 s take 2 s; free-threaded, they run side
	// by side, each slower by the measured slowdown.
	ft, _ := runtime.Builtin("cpython-3.13t")
	if m := doc.Results[1].MakespanS; math.Abs(m-ft.Slowdown) > 0.02*ft.Slowdown || doc.Results[0].MakespanS < 2 {
		t.Errorf("threads(2): %v s on cpython-3.8, %v s on cpython-3.13t (slowdown %v)", doc.Results[0].MakespanS, m, ft.Slowdown)
	}
	text := conclab(t, nil, args...)
	for _, want := range []string{"runtime cpython-3.8 vs cpython-3.13t", "threads(2) · cpython-3.13t", "sync · cpython-3.8 · makespan"} {
		if !strings.Contains(text.stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, text.stdout)
		}
	}
}

// TestRunPython: --python picks the built-in profile of its release, and
// says so on stderr.
func TestRunPython(t *testing.T) {
	py, err := python.Find(context.Background(), python.Default)
	if err != nil {
		testtool.Missing(t, "no python3: %v", err)
	}
	want, _ := runtime.ForPython(py.Version.Major, py.Version.Minor, py.FreeThreaded)
	r := conclab(t, nil, "run", "seed-io", "-m", "sync", "--python", python.Default, "--format", "json")
	if r.code != exitOK || !strings.Contains(r.stdout, `"runtime": "`+want+`"`) {
		t.Fatalf("exit %d, stdout %.200q; want runtime %s", r.code, r.stdout, want)
	}
	if !strings.HasPrefix(r.stderr, "conclab: runtime "+want+", the built-in profile of CPython "+py.Version.String()) {
		t.Errorf("stderr %q", r.stderr)
	}
	// --runtime says otherwise, and nothing is said.
	r = conclab(t, nil, "run", "seed-io", "-m", "sync", "--python", python.Default, "--runtime", "cpython-3.9", "--format", "json")
	if r.code != exitOK || r.stderr != "" || !strings.Contains(r.stdout, `"runtime": "cpython-3.9"`) {
		t.Errorf("with --runtime: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestRunJSONHeader checks what the document says of how it was made,
// beside SPEC §5's keys: conclab's version, the profile, the switch
// interval and the seed actually used.
func TestRunJSONHeader(t *testing.T) {
	tests := []struct {
		args  []string
		si    float64
		seed  uint64
		cores int
	}{
		{[]string{"run", "seed-io", "-m", "sync"}, 0.005, 1, 0},
		{[]string{"run", "convoy-1ms", "-m", "threads(2)"}, 0.001, 1, 2},
		{[]string{"run", "convoy", "-m", "threads(2)", "--switch-interval", "2ms", "--cores", "3"}, 0.002, 1, 3},
		{[]string{"run", "-e", "seed=7; 2 x [wait 1s]", "-m", "sync"}, 0.005, 7, 0},
	}
	for _, tt := range tests {
		doc := runJSON(t, tt.args...)
		if doc.Version == "" || doc.Profile.Name != "cpython" || doc.Profile.Source != "builtin" ||
			doc.SwitchIntervalS != tt.si || doc.Seed != tt.seed || tt.cores > 0 && doc.Cores != tt.cores {
			t.Errorf("%v: version %q, profile %+v, switch interval %g s, seed %d, cores %d; want a version, cpython builtin, %g s, %d, %d",
				tt.args, doc.Version, doc.Profile, doc.SwitchIntervalS, doc.Seed, doc.Cores, tt.si, tt.seed, tt.cores)
		}
	}
}

func TestRunFileWinsOverExample(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "seed-io"), []byte("tasks:\n  - steps: [{wait: 1s}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	doc := runJSON(t, "run", "seed-io", "-m", "sync")
	if got := doc.Results[0].MakespanS; math.Abs(got-1) > 0.01 {
		t.Errorf("makespan %v s, want the file's 1 s, not the example's 6 s", got)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	code := execute(ctx, []string{"run", "seed-io"}, strings.NewReader(""), &out, &errOut, nil)
	if code != exitFailure || out.Len() != 0 || strings.Count(errOut.String(), "\n") != 1 {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

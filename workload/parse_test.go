package workload

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const specExample = `name: seed-waiting                 # optional; defaults to the file name
about: Three tasks that each wait 2 seconds.
runtime: cpython
cores: 8
switch_interval: 5ms
seed: 7
tasks:
  - name: A
    steps:
      - wait: 2s
  - name: fetch
    count: 100
    start: 1s
    every: 10ms
    steps:
      - work: 5ms
      - wait: 120ms
      - wait: 30ms
        blocking: true
      - wait: 30ms
        blocking: true
        offload: thread
      - work: 40ms
        gil: released
      - repeat: 200
        steps: [{work: 50us}, {wait: 500us}]
models: [sync, threads(3), asyncio, processes(2)]
`

func TestParseSpecExample(t *testing.T) {
	w, err := Parse("dir/seed.yaml", []byte(specExample))
	if err != nil {
		t.Fatal(err)
	}
	want := &Workload{
		Name: "seed-waiting", About: "Three tasks that each wait 2 seconds.", Runtime: "cpython",
		Cores: 8, SwitchInterval: 5e6, Seed: 7, File: "dir/seed.yaml",
		Groups: []Group{
			{Name: "A", Count: 1, Weight: 1, Pos: Pos{8, 5}, Steps: []Step{
				{Kind: Wait, Dur: Dist{A: 2e9}, Pos: Pos{10, 9}},
			}},
			{Name: "fetch", Count: 100, Start: 1e9, Every: 10e6, Weight: 1, Pos: Pos{11, 5}, Steps: []Step{
				{Kind: Work, Dur: Dist{A: 5e6}, Pos: Pos{16, 9}},
				{Kind: Wait, Dur: Dist{A: 120e6}, Pos: Pos{17, 9}},
				{Kind: Wait, Dur: Dist{A: 30e6}, Blocking: true, Pos: Pos{18, 9}},
				{Kind: Wait, Dur: Dist{A: 30e6}, Blocking: true, Offload: OffloadThread, Pos: Pos{20, 9}},
				{Kind: Work, Dur: Dist{A: 40e6}, GILReleased: true, Pos: Pos{23, 9}},
				{Kind: Repeat, Count: 200, Pos: Pos{25, 9}, Steps: []Step{
					{Kind: Work, Dur: Dist{A: 50e3}, Pos: Pos{26, 18}},
					{Kind: Wait, Dur: Dist{A: 500e3}, Pos: Pos{26, 32}},
				}},
			}},
		},
		Models: []Model{{"sync", Pos{27, 10}}, {"threads(3)", Pos{27, 16}}, {"asyncio", Pos{27, 28}}, {"processes(2)", Pos{27, 37}}},
	}
	if !reflect.DeepEqual(w, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", w, want)
	}
	if n := w.NumTasks(); n != 101 {
		t.Errorf("NumTasks = %d, want 101", n)
	}
	for _, tt := range []struct {
		group, copy int
		want        string
	}{{0, 0, "A"}, {1, 0, "fetch-1"}, {1, 99, "fetch-100"}} {
		if got := w.TaskName(tt.group, tt.copy); got != tt.want {
			t.Errorf("TaskName(%d, %d) = %q, want %q", tt.group, tt.copy, got, tt.want)
		}
	}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		src   string
		check func(*Workload) string
	}{
		{"defaults", "x/my-load.yml", "tasks: [{steps: [{wait: 1s}]}]", func(w *Workload) string {
			if w.Name != "my-load" || w.Seed != 1 || w.Cores != 0 || w.SwitchInterval != 0 || w.Runtime != "" || w.Models != nil {
				return "defaults not applied"
			}
			if w.Groups[0].Name != "task-1" || w.Groups[0].Count != 1 || w.Groups[0].Weight != 1 {
				return "group defaults not applied"
			}
			return ""
		}},
		{"no file name", "", "tasks: [{steps: [{wait: 1s}]}]", func(w *Workload) string {
			return check(w.Name == "workload", "name %q", w.Name)
		}},
		{"unnamed groups by index", "f", `
tasks:
  - name: a
    steps: [{wait: 1s}]
  - steps: [{wait: 1s}]
  - count: 2
    steps: [{wait: 1s}]
`, func(w *Workload) string {
			return check(w.Groups[1].Name == "task-2" && w.Groups[2].Name == "task-3" && w.TaskName(2, 1) == "task-3-2",
				"names %q %q", w.Groups[1].Name, w.Groups[2].Name)
		}},
		{"distributions", "f", `
tasks:
  - steps:
      - wait: exp(50ms)
      - wait: uniform(10ms, 30ms)
      - work: normal(50ms, 10ms)
      - work: lognormal(50ms, 20ms)
      - wait: "uniform(1ms,2ms)"
      - {wait: "uniform(1ms, 2ms)"}
      - wait: 0
      - wait: 1m30s
`, func(w *Workload) string {
			got := []Dist{}
			for _, s := range w.Groups[0].Steps {
				got = append(got, s.Dur)
			}
			want := []Dist{{Exp, 50e6, 0}, {Uniform, 10e6, 30e6}, {Normal, 50e6, 10e6}, {LogNormal, 50e6, 20e6},
				{Uniform, 1e6, 2e6}, {Uniform, 1e6, 2e6}, {Fixed, 0, 0}, {Fixed, 90e9, 0}}
			return check(reflect.DeepEqual(got, want), "dists %v", got)
		}},
		{"flags", "f", `
tasks:
  - steps:
      - {work: 1ms, gil: held}
      - {work: 1ms, offload: process}
      - {wait: 1ms, blocking: false, offload: thread}
`, func(w *Workload) string {
			s := w.Groups[0].Steps
			return check(!s[0].GILReleased && s[1].Offload == OffloadProcess && !s[2].Blocking && s[2].Offload == OffloadThread,
				"steps %+v", s)
		}},
		{"sources", "f", `
resources: {db: {capacity: 2}}
tasks:
  - steps:
      - {work: 1ms, source: "app.py:30-42(handle)"}
      - {wait: 1ms, source: "after app.py:42(handle)"}
      - use: db
        source: app.py:50(handle)
        steps: [{wait: 1ms}]
`, func(w *Workload) string {
			s := w.Groups[0].Steps
			return check(s[0].Source == "app.py:30-42(handle)" && s[1].Source == "after app.py:42(handle)" &&
				s[2].Source == "app.py:50(handle)" && s[2].Steps[0].Source == "", "sources %q %q %q", s[0].Source, s[1].Source, s[2].Source)
		}},
		{"YAML 1.1 booleans", "f", `
tasks:
  - steps:
      - {wait: 1ms, blocking: yes}
      - {wait: 1ms, blocking: On}
      - {wait: 1ms, blocking: TRUE}
      - {wait: 1ms, blocking: True}
      - {wait: 1ms, blocking: no}
      - {wait: 1ms, blocking: OFF}
      - {wait: 1ms, blocking: False}
      - {wait: 1ms, blocking: No}
`, func(w *Workload) string {
			var got []bool
			for _, s := range w.Groups[0].Steps {
				got = append(got, s.Blocking)
			}
			return check(reflect.DeepEqual(got, []bool{true, true, true, true, false, false, false, false}), "blocking %v", got)
		}},
		{"models as one string", "f", "models: asyncio(limit=10, executor=4)\ntasks: [{steps: [{wait: 1s}]}]", func(w *Workload) string {
			return check(len(w.Models) == 1 && w.Models[0].Expr == "asyncio(limit=10, executor=4)" && w.Models[0].Pos == Pos{1, 9},
				"models %+v", w.Models)
		}},
		{"models as a block list", "f", "models:\n  - asyncio(limit=10, executor=4)\n  - \"processes(2, start=spawn)\"\ntasks: [{steps: [{wait: 1s}]}]", func(w *Workload) string {
			return check(len(w.Models) == 2 && w.Models[1].Expr == "processes(2, start=spawn)", "models %+v", w.Models)
		}},
		{"arrivals", "f", `
arrivals: {rate: 5/ms, pattern: uniform, count: 1000}
tasks:
  - {name: a, weight: 3, steps: [{wait: 1s}]}
  - {name: b, weight: 0.5, steps: [{wait: 1s}]}
`, func(w *Workload) string {
			a := w.Arrivals
			return check(a != nil && a.Rate == 5000 && a.Pattern == UniformArrivals && a.Count == 1000 && w.NumTasks() == 1000 &&
				w.Groups[0].Weight == 3 && w.Groups[1].Weight == 0.5, "arrivals %+v", a)
		}},
		{"arrivals for", "f", "arrivals:\n  rate: 30/min\n  for: 1m\ntasks: [{steps: [{wait: 1s}]}]", func(w *Workload) string {
			a := w.Arrivals
			return check(a.Rate == 0.5 && a.For == 60e9 && a.Pattern == Poisson && w.NumTasks() == 0, "arrivals %+v", a)
		}},
		{"anchors, tags, BOM, comments", "f", "\uFEFF# c\nseed: !!int 0\ntasks:\n  - steps: &s [{wait: 1s}] # c\n", func(w *Workload) string {
			return check(w.Seed == 0 && len(w.Groups[0].Steps) == 1, "seed %d", w.Seed)
		}},
		{"max repeat depth", "f", nested(MaxDepth), func(w *Workload) string { return "" }},
		{"about keeps escapes for the printer to clean", "f", "about: \"\\e[31mred\\e[0m \\u202E\"\ntasks: [{name: \"👩\u200D💻 dev\", steps: [{wait: 1s}]}]", func(w *Workload) string {
			return check(w.About == "\x1b[31mred\x1b[0m \u202e" && w.Groups[0].Name == "👩\u200d💻 dev", "about %q, name %q", w.About, w.Groups[0].Name)
		}},
		{"a file name that will not do as a name", "dir/ok\u202Eexe.yaml", "tasks: [{steps: [{wait: 1s}]}]", func(w *Workload) string {
			return check(w.Name == "workload", "name %q", w.Name)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := Parse(tt.file, []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(w); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func check(ok bool, format string, args ...any) string {
	if ok {
		return ""
	}
	return "unexpected: " + strings.TrimSpace(sprintf(format, args...))
}

// nested returns a workload with depth repeats inside each other.
func nested(depth int) string {
	var b strings.Builder
	b.WriteString("tasks:\n  - steps:\n")
	ind := "      "
	for range depth {
		b.WriteString(ind + "- repeat: 2\n" + ind + "  steps:\n")
		ind += "    "
	}
	b.WriteString(ind + "- wait: 1ms\n")
	return b.String()
}

func TestParseErrors(t *testing.T) {
	const ok = "\ntasks: [{steps: [{wait: 1s}]}]"
	tests := []struct {
		name, src, want string
	}{
		{"unknown step kind", "tasks:\n  - name: A\n    steps:\n      - sleep: 2s",
			`w.yaml:4:9: unknown step kind "sleep" (want work, wait, repeat, use, gather or choose)`},
		{"unknown step kind in flow", "tasks: [{steps: [{sleep: 2s}]}]",
			`w.yaml:1:19: unknown step kind "sleep" (want work, wait, repeat, use, gather or choose)`},
		{"misspelt step kind", "tasks:\n  - steps:\n      - wiat: 2s",
			`w.yaml:3:9: unknown step kind "wiat", did you mean "wait"? (want work, wait, repeat, use, gather or choose)`},
		{"misspelt step kind beside an option", "tasks: [{steps: [{blocking: true, wiat: 2s}]}]",
			`w.yaml:1:35: unknown step kind "wiat", did you mean "wait"? (want work, wait, repeat, use, gather or choose)`},
		{"misspelt repeat", "tasks: [{steps: [{repaet: 2, steps: [{wait: 1s}]}]}]",
			`w.yaml:1:19: unknown step kind "repaet", did you mean "repeat"? (want work, wait, repeat, use, gather or choose)`},
		{"unknown top key", "taks: []",
			`w.yaml:1:1: unknown key "taks", did you mean "tasks"? (want name, about, runtime, cores, switch_interval, seed, main_module, resources, tasks, arrivals or models)`},
		{"unknown top key no hint", "colour: red" + ok,
			`w.yaml:1:1: unknown key "colour" (want name, about, runtime, cores, switch_interval, seed, main_module, resources, tasks, arrivals or models)`},
		{"unknown group key", "tasks:\n  - stpes: [{work: 1s}]",
			`w.yaml:2:5: unknown key "stpes" in a task, did you mean "steps"? (want name, count, start, every, after, weight, input, output or steps)`},
		{"unknown work key", "tasks: [{steps: [{work: 1s, colour: red}]}]",
			`w.yaml:1:29: unknown key "colour" in a work step (want work, gil, offload, input, output or source)`},
		{"source on a repeat", "tasks: [{steps: [{repeat: 2, source: x.py:1(f), steps: [{wait: 1s}]}]}]",
			`w.yaml:1:30: source applies to the steps inside a repeat, not to the repeat`},
		{"source on a gather", "tasks: [{steps: [{gather: [{steps: [{wait: 1s}]}], source: x.py:1(f)}]}]",
			`w.yaml:1:52: source applies to work, wait and use steps, the places in a program; a gather's are its steps'`},
		{"source not text", "tasks: [{steps: [{work: 1s, source: [a]}]}]",
			`w.yaml:1:37: source must be text, got a list`},
		{"source empty", "tasks: [{steps: [{work: 1s, source: \"\"}]}]",
			`w.yaml:1:37: source must not be empty (leave it out instead)`},
		{"source hides text", "tasks: [{steps: [{work: 1s, source: \"a\\u202Eb\"}]}]",
			`w.yaml:1:37: source must not contain U+202E (a bidirectional text control, which reorders the text shown around it)`},
		{"source too long", "tasks: [{steps: [{work: 1s, source: " + strings.Repeat("a", 501) + "}]}]",
			`w.yaml:1:37: source must be at most 500 bytes, got 501`},
		{"unknown repeat key", "tasks: [{steps: [{repeat: 2, gil: held, steps: [{wait: 1s}]}]}]",
			`w.yaml:1:30: gil applies to work steps only (a repeat step does not hold the GIL)`},
		{"offload on repeat", "tasks: [{steps: [{repeat: 2, offload: thread, steps: [{wait: 1s}]}]}]",
			`w.yaml:1:30: offload applies to the steps inside a repeat, not to the repeat`},
		{"unknown arrivals key", "arrivals: {rate: 1/s, count: 1, burst: 2}" + ok,
			`w.yaml:1:33: unknown key "burst" in arrivals (want rate, pattern, for or count)`},
		{"negative count", "tasks:\n  - count: -3\n    steps: [{wait: 1s}]",
			`w.yaml:2:12: count must be a whole number from 1 to 100000000, got -3`},
		{"zero count", "tasks:\n  - count: 0\n    steps: [{wait: 1s}]",
			`w.yaml:2:12: count must be a whole number from 1 to 100000000, got 0`},
		{"text count", "tasks:\n  - count: many\n    steps: [{wait: 1s}]",
			`w.yaml:2:12: count must be a whole number from 1 to 100000000, got "many"`},
		{"bare number duration", "tasks: [{steps: [{wait: 2}]}]",
			`w.yaml:1:25: duration 2 needs a unit (e.g. 2s, 15ms, 250us)`},
		{"bare float duration", "tasks: [{steps: [{wait: 1.5}]}]",
			`w.yaml:1:25: duration 1.5 needs a unit (e.g. 2s, 15ms, 250us)`},
		{"malformed duration", "tasks: [{steps: [{wait: 2 s}]}]",
			`w.yaml:1:25: invalid duration "2 s" (want a duration like 2s, 15ms, 250us, or exp(M), uniform(LO, HI), normal(M, SD) or lognormal(M, SD))`},
		{"negative duration", "tasks: [{steps: [{wait: -2s}]}]",
			`w.yaml:1:25: duration -2s is negative (want 0 or more)`},
		{"huge duration", "tasks: [{steps: [{wait: 3000h}]}]",
			`w.yaml:1:25: duration 3000h is too long (the limit is 2400h)`},
		{"duration beyond int64", "tasks: [{steps: [{work: 99999999999h}]}]",
			`w.yaml:1:25: duration 99999999999h is too long (the limit is 2400h)`},
		{"duration beyond int64 in a distribution", "tasks:\n  - steps:\n      - work: exp(9999999999999999999ns)",
			`w.yaml:3:15: duration 9999999999999999999ns is too long (the limit is 2400h) in exp(M)`},
		{"negative duration beyond int64", "tasks: [{start: -99999999999h, steps: [{wait: 1s}]}]",
			`w.yaml:1:17: duration -99999999999h is negative (want 0 or more)`},
		{"missing duration", "tasks:\n  - steps:\n      - wait:\n",
			`w.yaml:3:9: wait needs a duration, e.g. wait: 2s`},
		{"unknown distribution", "tasks: [{steps: [{wait: gauss(1s)}]}]",
			`w.yaml:1:25: unknown distribution "gauss" (want exp(M), uniform(LO, HI), normal(M, SD) or lognormal(M, SD))`},
		{"distribution arity", "tasks: [{steps: [{wait: normal(1s)}]}]",
			`w.yaml:1:25: normal takes 2 arguments (want normal(M, SD)), got 1`},
		{"distribution bad arg", "tasks: [{steps: [{wait: \"exp(5)\"}]}]",
			`w.yaml:1:25: duration 5 needs a unit (e.g. 2s, 15ms, 250us) in exp(M)`},
		{"uniform reversed", "tasks:\n  - steps:\n      - wait: uniform(30ms, 10ms)",
			`w.yaml:3:15: uniform(LO, HI) needs LO ≤ HI, got 30ms > 10ms`},
		{"exp zero mean", "tasks:\n  - steps:\n      - wait: exp(0s)",
			`w.yaml:3:15: exp needs a mean M > 0`},
		{"distribution cut by flow mapping", "tasks: [{steps: [{work: uniform(10ms, 30ms)}]}]",
			`w.yaml:1:25: "uniform(10ms" was cut at its comma: inside { } YAML splits at commas; quote it (work: "uniform(10ms, 30ms)") or write the step in block style`},
		{"model cut by flow sequence", "models: [sync, asyncio(limit=10, executor=4)]" + ok,
			`w.yaml:1:16: model "asyncio(limit=10" was cut at its comma: inside [ ] YAML splits at commas; quote it ("asyncio(limit=10, executor=4)") or write models as a block list (- asyncio(limit=10, executor=4))`},
		{"too many models", "models: [" + strings.Repeat("sync, ", 10000) + "sync]" + ok,
			`w.yaml:1:394: too many models: 10001 (at most 64 in one workload)`},
		{"empty models", "models: []" + ok,
			`w.yaml:1:9: models must not be empty (leave it out for the default models)`},
		{"gil on wait", "tasks: [{steps: [{wait: 1s, gil: released}]}]",
			`w.yaml:1:29: gil applies to work steps only (a wait step does not hold the GIL)`},
		{"blocking on work", "tasks: [{steps: [{work: 1s, blocking: true}]}]",
			`w.yaml:1:29: blocking applies to wait steps only (work always occupies its thread)`},
		{"bad gil", "tasks: [{steps: [{work: 1s, gil: maybe}]}]",
			`w.yaml:1:34: gil must be released or held, got "maybe"`},
		{"bad blocking", "tasks: [{steps: [{wait: 1s, blocking: maybe}]}]",
			`w.yaml:1:39: blocking must be true or false (or yes/no, on/off), got "maybe"`},
		{"blocking in a case YAML does not allow", "tasks: [{steps: [{wait: 1s, blocking: yEs}]}]",
			`w.yaml:1:39: blocking must be true or false (or yes/no, on/off), got "yEs"`},
		{"blocking quoted", "tasks: [{steps: [{wait: 1s, blocking: \"yes\"}]}]",
			`w.yaml:1:39: blocking must be true or false (or yes/no, on/off), got "yes"`},
		{"blocking a number", "tasks: [{steps: [{wait: 1s, blocking: 1}]}]",
			`w.yaml:1:39: blocking must be true or false (or yes/no, on/off), got 1`},
		{"bad offload", "tasks: [{steps: [{wait: 1s, offload: gpu}]}]",
			`w.yaml:1:38: offload must be thread or process, got "gpu"`},
		{"two kinds", "tasks: [{steps: [{wait: 1s, work: 1s}]}]",
			`w.yaml:1:29: a step has exactly one of work, wait, repeat, use, gather or choose; this one has wait and work`},
		{"no kind", "tasks: [{steps: [{gil: released}]}]",
			`w.yaml:1:19: a step needs one of work, wait, repeat, use, gather or choose`},
		{"step without colon", "tasks:\n  - steps:\n    - wait 2s",
			`w.yaml:3:7: a step is a mapping: write "wait: 2s" (with a colon)`},
		{"empty step", "tasks:\n  - steps:\n    -\n",
			`w.yaml:3:5: empty step (want a mapping like {wait: 2s})`},
		{"empty steps", "tasks: [{steps: []}]",
			`w.yaml:1:17: steps must not be empty`},
		{"missing steps", "tasks: [{name: a}]",
			`w.yaml:1:10: a task needs steps: (e.g. steps: [{work: 5ms}, {wait: 100ms}])`},
		{"step key in group", "tasks: [{wait: 1s}]",
			`w.yaml:1:10: wait is a step: put it under steps: (e.g. steps: [{wait: …}])`},
		{"steps at top", "steps: [{wait: 1s}]",
			`w.yaml:1:1: steps belongs to a task: put it under tasks: (e.g. tasks: [{steps: [{wait: 2s}]}])`},
		{"missing tasks", "name: x",
			`w.yaml:1:1: missing tasks: (the list of tasks, e.g. tasks: [{name: A, steps: [{wait: 2s}]}])`},
		{"empty tasks", "tasks: []",
			`w.yaml:1:8: tasks must not be empty`},
		{"tasks not a list", "tasks: 3",
			`w.yaml:1:8: tasks must be a list of tasks (- name: A …), got 3`},
		{"repeat zero", "tasks: [{steps: [{repeat: 0, steps: [{wait: 1s}]}]}]",
			`w.yaml:1:27: repeat count must be a whole number from 1 to 1000000000, got 0`},
		{"repeat without steps", "tasks: [{steps: [{repeat: 3}]}]",
			`w.yaml:1:19: repeat needs steps: (the block to repeat, e.g. {repeat: 10, steps: [{wait: 1ms}]})`},
		{"repeat product", "tasks: [{steps: [{repeat: 100000, steps: [{repeat: 100000, steps: [{wait: 1us}]}]}]}]",
			`w.yaml:1:44: nested repeats multiply to more than 1000000000 runs of the innermost steps`},
		{"repeat depth", nested(MaxDepth + 1),
			`w.yaml:19:41: repeats nested too deeply (at most 8 levels)`},
		{"too many tasks", "tasks: [{count: 60000000, steps: [{wait: 1s}]}, {count: 60000000, steps: [{wait: 1s}]}]",
			`w.yaml:1:50: too many tasks: more than 100000000 in all`},
		{"too long", "tasks: [{count: 100000000, steps: [{repeat: 1000000, steps: [{wait: 1h}]}]}]",
			`w.yaml:1:10: the tasks add up to more than 70 years of virtual time`},
		{"duplicate name", "tasks:\n  - name: A\n    steps: [{wait: 1s}]\n  - name: A\n    steps: [{wait: 1s}]",
			`w.yaml:4:5: duplicate task name "A" (also used at line 2)`},
		{"duplicate with default name", "tasks:\n  - name: task-2\n    steps: [{wait: 1s}]\n  - steps: [{wait: 1s}]",
			`w.yaml:4:5: duplicate task name "task-2" (also used at line 2)`},
		{"name of a copy", "tasks:\n  - {name: x, count: 3, steps: [{wait: 1s}]}\n  - {name: x-2, steps: [{wait: 1s}]}",
			`w.yaml:3:6: task name "x-2" is also the name of a copy of "x" (count 3)`},
		{"empty name", "name: ''" + ok, `w.yaml:1:7: a name must not be empty`},
		{"bidi override in a name", `name: "ok\u202Eexe.txt"` + ok,
			`w.yaml:1:7: a name must not contain U+202E (a bidirectional text control, which reorders the text shown around it)`},
		{"bidi isolate in a name", "name: a\u2066b" + ok,
			`w.yaml:1:7: a name must not contain U+2066 (a bidirectional text control, which reorders the text shown around it)`},
		{"C1 control in a task name", `tasks: [{name: "a\x85b", steps: [{wait: 1s}]}]`,
			`w.yaml:1:16: a name must not contain U+0085 (a control character)`},
		{"escape in a task name", `tasks: [{name: "\e[31mred", steps: [{wait: 1s}]}]`,
			`w.yaml:1:16: a name must not contain U+001B (a control character)`},
		{"line separator in a name", "name: a\u2028b" + ok,
			`w.yaml:1:7: a name must not contain U+2028 (an invisible format character)`},
		{"NUL in about", `about: "a\0b"` + ok, `w.yaml:1:8: about must not contain a NUL character (U+0000)`},
		{"cores zero", "cores: 0" + ok, `w.yaml:1:8: cores must be a whole number from 1 to 4096, got 0`},
		{"cores huge", "cores: 5000" + ok, `w.yaml:1:8: cores must be a whole number from 1 to 4096, got 5000`},
		{"switch zero", "switch_interval: 0" + ok, `w.yaml:1:18: switch_interval must be more than 0 (CPython's default is 5ms)`},
		{"switch distribution", "switch_interval: exp(5ms)" + ok, `w.yaml:1:18: switch_interval must be a plain duration like 2s (distributions are for work and wait)`},
		{"main module distribution", "main_module: exp(5ms)" + ok, `w.yaml:1:14: main_module must be a plain duration like 2s (distributions are for work and wait)`},
		{"main module negative", "main_module: -5ms" + ok, `w.yaml:1:14: duration -5ms is negative (want 0 or more)`},
		{"runtime", "runtime: pypy" + ok, `w.yaml:1:10: runtime must be cpython, cpython-ft, cpython-3.8, cpython-3.9, cpython-3.10, cpython-3.11, cpython-3.12, cpython-3.13, cpython-3.13t, cpython-3.14t, java or go, got "pypy"`},
		{"seed negative", "seed: -1" + ok, `w.yaml:1:7: seed must be a whole number ≥ 0 (at most 64 bits), got -1`},
		{"seed text", "seed: x" + ok, `w.yaml:1:7: seed must be a whole number ≥ 0, got "x"`},
		{"weight without arrivals", "tasks: [{weight: 2, steps: [{wait: 1s}]}]",
			`w.yaml:1:10: weight is only used with arrivals (it picks the group an arrival is built from)`},
		{"weight zero", "arrivals: {rate: 1/s, count: 3}\ntasks: [{weight: 0, steps: [{wait: 1s}]}]",
			`w.yaml:2:18: weight must be a number > 0, got 0`},
		{"weight too large", "arrivals: {rate: 1/s, count: 3}\ntasks: [{weight: 1.7e308, steps: [{wait: 1s}]}, {steps: [{wait: 1s}]}]",
			`w.yaml:2:18: weight 1.7e308 is too large (at most 1e+09; weights are relative, e.g. 90 and 10)`},
		{"count with arrivals", "arrivals: {rate: 1/s, count: 3}\ntasks: [{count: 2, steps: [{wait: 1s}]}]",
			`w.yaml:2:10: count is not used with arrivals: each arrival is one task built from a group`},
		{"arrivals without rate", "arrivals: {count: 3}" + ok, `w.yaml:1:1: arrivals needs a rate (e.g. rate: 200/s)`},
		{"arrivals for and count", "arrivals: {rate: 1/s, count: 3, for: 1s}" + ok,
			`w.yaml:1:1: arrivals needs exactly one of for (a duration, e.g. for: 30s) or count (e.g. count: 10000)`},
		{"rate without unit", "arrivals: {rate: 200, for: 1s}" + ok, `w.yaml:1:18: rate 200 needs a unit (e.g. 200/s)`},
		{"rate bad unit", "arrivals: {rate: 200/h, for: 1s}" + ok, `w.yaml:1:18: invalid rate unit "h" (want a rate like 200/s, 5/ms or 30/min)`},
		{"arrivals too many", "arrivals: {rate: 1000000/s, for: 1000s}" + ok, `w.yaml:1:1: arrivals would bring about 1000000000 tasks (the limit is 100000000)`},
		{"arrivals past int64 by count", "arrivals: {rate: 1e-300/s, count: 3}" + ok,
			`w.yaml:1:1: arrivals of 3 tasks at 1e-300/s would take about 8.33e+296h (at most 2400h; raise the rate or lower the count)`},
		{"arrivals for years by count", "arrivals:\n  rate: 0.1/min\n  count: 100000000" + ok,
			`w.yaml:1:1: arrivals of 100000000 tasks at 0.1/min would take about 1.67e+07h (at most 2400h; raise the rate or lower the count)`},
		{"arrivals of long tasks", "arrivals: {rate: 1/s, count: 1}\ntasks: [{steps: [{repeat: 1000000000, steps: [{work: 2400h}]}]}]",
			`w.yaml:2:10: the tasks add up to more than 70 years of virtual time`},
		{"many arrivals of long tasks", "arrivals: {rate: 1000/s, for: 2400h}\ntasks: [{steps: [{wait: 2400h}]}]",
			`w.yaml:1:1: arrivals would bring about 8640000000 tasks (the limit is 100000000)`},
		{"many arrivals of long tasks by count", "arrivals: {rate: 1000/s, count: 100000000}\ntasks: [{steps: [{wait: 1000h}]}]",
			`w.yaml:2:10: the tasks add up to more than 70 years of virtual time`},
		{"copies starting too late", "tasks: [{count: 300, every: 2400h, steps: [{wait: 1s}]}]",
			`w.yaml:1:10: the last copy of "task-1" would start after about 70 years`},
		{"after a later task", "tasks:\n- {name: a, after: b, steps: [{wait: 1s}]}\n- {name: b, steps: [{wait: 1s}]}",
			`w.yaml:2:20: task "a" is after "b", which comes later in the file (a task can only be after tasks above it)`},
		{"after an unknown task", "tasks:\n- {name: a, steps: [{wait: 1s}]}\n- {name: b, after: [a, c], steps: [{wait: 1s}]}",
			`w.yaml:3:20: task "b" is after "c", and no task above it has that name`},
		{"after itself", "tasks:\n- {name: a, after: a, steps: [{wait: 1s}]}",
			`w.yaml:2:20: task "a" cannot be after itself`},
		{"after twice", "tasks:\n- {name: a, steps: [{wait: 1s}]}\n- {name: b, after: [a, a], steps: [{wait: 1s}]}",
			`w.yaml:3:20: task "b" is after "a" twice`},
		{"after nothing", "tasks:\n- {name: a, steps: [{wait: 1s}]}\n- {name: b, after: [], steps: [{wait: 1s}]}",
			`w.yaml:3:20: after needs at least one task name (e.g. after: fetch)`},
		{"after a number", "tasks:\n- {name: a, steps: [{wait: 1s}]}\n- {name: b, after: {x: 1}, steps: [{wait: 1s}]}",
			`w.yaml:3:21: after must be text, got a mapping`},
		{"after with arrivals", "arrivals: {rate: 5/s, count: 3}\ntasks:\n- {name: a, steps: [{wait: 1s}]}\n- {name: b, after: a, steps: [{wait: 1s}]}",
			`w.yaml:4:13: after is not used with arrivals: each arrival is one task built from a group`},
		{"alias", "a: &x 1\nb: *x", `w.yaml:2:4: aliases (*name) are not supported in workloads; write the value out`},
		{"not a mapping", "- a\n- b", `w.yaml:1:1: a workload must be a mapping (key: value lines), got a list`},
		{"two documents", "tasks: [{steps: [{wait: 1s}]}]\n---\nname: x", `w.yaml:3:1: only one YAML document is allowed in a workload file`},
		{"broken YAML", "tasks: [", `w.yaml:1:8: invalid YAML: sequence end token ']' not found`},
		{"broken YAML mapping", "a: b: c", `w.yaml:1:4: invalid YAML: mapping value is not allowed in this context`},
		{"tab indent", "tasks:\n\t- steps: []", `w.yaml:2:1: invalid YAML: found character '\t' that cannot start any token (indent with spaces, not tabs)`},
		{"duplicate key", "seed: 1\nseed: 2" + ok, `w.yaml:2:1: invalid YAML: mapping key "seed" already defined at [1:1]`},
		{"empty file", "", `w.yaml:1:1: empty workload (want a mapping with at least tasks:, e.g. tasks: [{steps: [{wait: 2s}]}])`},
		{"only comments", "# nothing\n\n", `w.yaml:1:1: empty workload (want a mapping with at least tasks:, e.g. tasks: [{steps: [{wait: 2s}]}])`},
		{"NUL byte", "tasks:\x00", `w.yaml:1:1: not a text file (it contains a NUL byte); a workload is a YAML text file`},
		{"invalid UTF-8", "\xff\xfe\x00t", `w.yaml:1:1: not a text file (it contains a NUL byte); a workload is a YAML text file`},
		{"invalid UTF-8 no NUL", "name: \xff", `w.yaml:1:1: not a text file (it is not valid UTF-8); a workload is a YAML text file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := Parse("w.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want error %s", w, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not *Error", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestCheckName(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"fetch", ""},
		{"café-1 👩\u200d💻", ""},
		{"", "a name must not be empty"},
		{" a", "a name must not start or end with spaces"},
		{strings.Repeat("x", 101), "a name must be at most 100 bytes"},
		{"a\xffb", "a name must be UTF-8 text"},
		{"a\tb", "a name must not contain U+0009 (a control character)"},
		{"a\u007fb", "a name must not contain U+007F (a control character)"},
		{"a\u009bb", "a name must not contain U+009B (a control character)"},
		{"a\u061cb", "a name must not contain U+061C (a bidirectional text control, which reorders the text shown around it)"},
		{"a\u200fb", "a name must not contain U+200F (a bidirectional text control, which reorders the text shown around it)"},
		{"a\u202ab", "a name must not contain U+202A (a bidirectional text control, which reorders the text shown around it)"},
		{"a\u2069b", "a name must not contain U+2069 (a bidirectional text control, which reorders the text shown around it)"},
		{"a\u200bb", "a name must not contain U+200B (an invisible format character)"},
		{"a\ufeffb", "a name must not contain U+FEFF (an invisible format character)"},
	} {
		err := CheckName(tt.name)
		if got := fmt.Sprint(err); tt.want == "" && err != nil || tt.want != "" && got != tt.want {
			t.Errorf("CheckName(%q) = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "a.yaml", Line: 3, Col: 9, Msg: "bad"}, "a.yaml:3:9: bad"},
		{Error{Line: 1, Col: 2, Msg: "bad"}, "1:2: bad"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// after: names earlier groups, in either syntax, and resolves to their
// indices in the order written.
func TestParseAfter(t *testing.T) {
	y, err := Parse("w.yaml", []byte(`
tasks:
  - {name: fetch, count: 3, steps: [{wait: 20ms}]}
  - {name: load, steps: [{wait: 5ms}]}
  - {name: parse, count: 2, after: [load, fetch], start: 1ms, every: 2ms, steps: [{work: 1ms}]}
  - {name: report, after: parse, steps: [{work: 1ms}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	in, err := ParseInline("3 x fetch: [wait 20ms]; load: [wait 5ms]; 2 x parse: [work 1ms] after load, fetch start 1ms every 2ms; report: [work 1ms] after parse")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []*Workload{y, in} {
		var got [][]int
		for _, g := range w.Groups {
			got = append(got, g.After)
		}
		if want := [][]int{nil, nil, {1, 0}, {2}}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: after %v, want %v", w.File, got, want)
		}
		if g := w.Groups[2]; g.Start != 1_000_000 || g.Every != 2_000_000 {
			t.Errorf("%s: parse starts %d every %d", w.File, g.Start, g.Every)
		}
	}
}

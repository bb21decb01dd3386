package workload

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseInline(t *testing.T) {
	wait := func(d int64, col int) Step { return Step{Kind: Wait, Dur: Dist{A: d}, Pos: Pos{1, col}} }
	work := func(d int64, col int) Step { return Step{Kind: Work, Dur: Dist{A: d}, Pos: Pos{1, col}} }
	tests := []struct {
		expr string
		want *Workload
	}{
		{"3 x [wait 2s]", &Workload{Name: "inline", Seed: 1, Groups: []Group{
			{Name: "task-1", Count: 3, Weight: 1, Pos: Pos{1, 1}, Steps: []Step{wait(2e9, 6)}},
		}}},
		{"2x [work 1s]", &Workload{Name: "inline", Seed: 1, Groups: []Group{
			{Name: "task-1", Count: 2, Weight: 1, Pos: Pos{1, 1}, Steps: []Step{work(1e9, 5)}},
		}}},
		{"[wait 1s]; [work 1s]", &Workload{Name: "inline", Seed: 1, Groups: []Group{
			{Name: "task-1", Count: 1, Weight: 1, Pos: Pos{1, 1}, Steps: []Step{wait(1e9, 2)}},
			{Name: "task-2", Count: 1, Weight: 1, Pos: Pos{1, 12}, Steps: []Step{work(1e9, 13)}},
		}}},
		{"cores=2; switch=1ms; seed=0; runtime=cpython-ft; name=demo; io: [repeat 200 [wait 500us]]; cpu: [work 3s];",
			&Workload{Name: "demo", Runtime: "cpython-ft", Cores: 2, SwitchInterval: 1e6, Seed: 0, Groups: []Group{
				{Name: "io", Count: 1, Weight: 1, Pos: Pos{1, 61}, Steps: []Step{
					{Kind: Repeat, Count: 200, Pos: Pos{1, 66}, Steps: []Step{wait(500e3, 78)}},
				}},
				{Name: "cpu", Count: 1, Weight: 1, Pos: Pos{1, 92}, Steps: []Step{work(3e9, 98)}},
			}}},
		{"A: [work 5ms, wait 120ms, wait 30ms blocking offload thread, work 40ms released, work 1ms held offload process]",
			&Workload{Name: "inline", Seed: 1, Groups: []Group{
				{Name: "A", Count: 1, Weight: 1, Pos: Pos{1, 1}, Steps: []Step{
					work(5e6, 5), wait(120e6, 15),
					{Kind: Wait, Dur: Dist{A: 30e6}, Blocking: true, Offload: OffloadThread, Pos: Pos{1, 27}},
					{Kind: Work, Dur: Dist{A: 40e6}, GILReleased: true, Pos: Pos{1, 62}},
					{Kind: Work, Dur: Dist{A: 1e6}, Offload: OffloadProcess, Pos: Pos{1, 82}},
				}},
			}}},
		{"100 × fetch: [work 5ms, wait exp(100ms), wait uniform( 10ms ,30ms )] every 10ms start 1s",
			&Workload{Name: "inline", Seed: 1, Groups: []Group{
				{Name: "fetch", Count: 100, Every: 10e6, Start: 1e9, Weight: 1, Pos: Pos{1, 1}, Steps: []Step{
					work(5e6, 15),
					{Kind: Wait, Dur: Dist{Kind: Exp, A: 100e6}, Pos: Pos{1, 25}},
					{Kind: Wait, Dur: Dist{Kind: Uniform, A: 10e6, B: 30e6}, Pos: Pos{1, 42}},
				}},
			}}},
		{"404: [repeat 2 x [repeat 3 [work 1ms]]]", &Workload{Name: "inline", Seed: 1, Groups: []Group{
			{Name: "404", Count: 1, Weight: 1, Pos: Pos{1, 1}, Steps: []Step{
				{Kind: Repeat, Count: 2, Pos: Pos{1, 7}, Steps: []Step{
					{Kind: Repeat, Count: 3, Pos: Pos{1, 19}, Steps: []Step{work(1e6, 29)}},
				}},
			}},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			w, err := ParseInline(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(w, tt.want) {
				t.Errorf("ParseInline(%q)\n got %+v\nwant %+v", tt.expr, w, tt.want)
			}
		})
	}
}

func TestParseInlineErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"", `-e:1:1: empty inline workload (e.g. 3 x [wait 2s])`},
		{" ; ", `-e:1:4: no tasks (add a group such as 3 x [wait 2s])`},
		{"cores=2", `-e:1:8: no tasks (add a group such as 3 x [wait 2s])`},
		{"[sleep 2s]", `-e:1:2: unknown step kind "sleep" (want work, wait, repeat, use, gather or choose)`},
		{"[wiat 2s]", `-e:1:2: unknown step kind "wiat", did you mean "wait"? (want work, wait, repeat, use, gather or choose)`},
		{"[work 1s, wrok 2s]", `-e:1:11: unknown step kind "wrok", did you mean "work"? (want work, wait, repeat, use, gather or choose)`},
		{"3 x [wait 2]", `-e:1:11: duration 2 needs a unit (e.g. 2s, 15ms, 250us)`},
		{"[wait -1s]", `-e:1:7: duration -1s is negative (want 0 or more)`},
		{"[wait 2 s]", `-e:1:7: duration 2 needs a unit (e.g. 2s, 15ms, 250us)`},
		{"[wait 2xs]", `-e:1:7: invalid duration "2xs" (want a duration like 2s, 15ms, 250us, or exp(M), uniform(LO, HI), normal(M, SD) or lognormal(M, SD))`},
		{"[wait uniform(30ms, 10ms)]", `-e:1:15: uniform(LO, HI) needs LO ≤ HI, got 30ms > 10ms`},
		{"[wait uniform(10ms, 3)]", `-e:1:21: duration 3 needs a unit (e.g. 2s, 15ms, 250us) in uniform(LO, HI)`},
		{"[wait exp(1s]", `-e:1:7: exp( is missing its ")"`},
		{"[wait gauss(1s)]", `-e:1:7: unknown distribution "gauss" (want exp(M), uniform(LO, HI), normal(M, SD) or lognormal(M, SD))`},
		{"[wait 2s", `-e:1:9: missing "]" to close the steps opened at column 1`},
		{"[wait 2s; work 1s]", `-e:1:9: unexpected ";" after a step (want "," or "]")`},
		{"[]", `-e:1:1: empty steps [ ] (want e.g. [work 5ms, wait 100ms])`},
		{"wait 2s", `-e:1:1: steps go inside [ ] (e.g. [wait ...])`},
		{"fetch [wait 2s]", `-e:1:7: expected ":" after the task name "fetch", got "["`},
		{"3 [wait 2s]", `-e:1:3: expected x after the count (e.g. 3 x [wait 2s]), got "["`},
		{"0 x [wait 2s]", `-e:1:1: count must be a whole number from 1 to 100000000, got 0`},
		{"-2 x [wait 2s]", `-e:1:1: count must be a whole number from 1 to 100000000, got -2`},
		{"[work 1s blocking]", `-e:1:10: blocking applies to wait steps only (work always occupies its thread)`},
		{"[wait 1s released]", `-e:1:10: released applies to work steps only (a wait does not hold the GIL)`},
		{"[wait 1s offload gpu]", `-e:1:18: offload must be thread or process, got "gpu"`},
		{"[wait 1s loudly]", `-e:1:10: unexpected "loudly" after wait (want blocking, offload thread|process, "," or "]")`},
		{"[repeat 0 [wait 1s]]", `-e:1:9: repeat count must be a whole number from 1 to 1000000000, got "0"`},
		{"[repeat 3 wait 1s]", `-e:1:11: expected "[" with the steps to repeat (e.g. repeat 3 [wait 1ms]), got "wait"`},
		{"[repeat 100000 [repeat 100000 [wait 1us]]]", `-e:1:17: nested repeats multiply to more than 1000000000 runs of the innermost steps`},
		{"[repeat 2 [repeat 2 [repeat 2 [repeat 2 [repeat 2 [repeat 2 [repeat 2 [repeat 2 [repeat 2 [wait 1s]]]]]]]]]]",
			`-e:1:82: repeats nested too deeply (at most 8 levels)`},
		{"[work 99999999999h]", `-e:1:7: duration 99999999999h is too long (the limit is 2400h)`},
		{"[wait 1s] every 1ms every 2ms", `-e:1:21: every is set twice`},
		{"[wait 1s] start 1s every 1ms start 2s", `-e:1:30: start is set twice`},
		{"[wait 1s blocking blocking]", `-e:1:19: blocking is set twice`},
		{"[wait 1s offload thread offload process]", `-e:1:25: offload is set twice`},
		{"[work 1s released released]", `-e:1:19: released is set twice`},
		{"[work 1s released held]", `-e:1:19: released and held contradict each other (give one)`},
		{"[wait 1s] every exp(1s)", `-e:1:17: every must be a plain duration like 10ms (distributions are for work and wait)`},
		{"[wait 1s] soon", `-e:1:11: unexpected "soon" after the steps (want every DUR, start DUR, weight W, input SIZE, output SIZE, after NAME or ";")`},
		{"[wait 1s] [wait 1s]", `-e:1:11: unexpected "[" (want ";" between groups)`},
		{"a: [wait 1s]; a: [wait 1s]", `-e:1:15: duplicate task name "a" (also used at line 1)`},
		{"cores=0; [wait 1s]", `-e:1:7: cores must be a whole number from 1 to 4096, got 0`},
		{"cores=2; cores=3; [wait 1s]", `-e:1:10: cores is set twice`},
		{"switch=0; [wait 1s]", `-e:1:8: switch must be more than 0 (CPython's default is 5ms)`},
		{"runtime=pypy; [wait 1s]", `-e:1:9: runtime must be cpython, cpython-ft, cpython-3.8, cpython-3.9, cpython-3.10, cpython-3.11, cpython-3.12, cpython-3.13, cpython-3.13t, cpython-3.14t, java or go, got pypy`},
		{"colour=red; [wait 1s]", `-e:1:1: unknown setting "colour" (want cores, switch, seed, runtime, name or arrivals)`},
		{"arrivals=200; [wait 1s]", `-e:1:10: rate 200 needs a unit (e.g. 200/s)`},
		{"arrivals=200/h for 1s; [wait 1s]", `-e:1:10: invalid rate unit "h" (want a rate like 200/s, 5/ms or 30/min)`},
		{"arrivals=200/s; [wait 1s]", `-e:1:10: arrivals needs exactly one of for (a duration, e.g. for 30s) or count (e.g. count 10000)`},
		{"arrivals=200/s for 1s count 5; [wait 1s]", `-e:1:23: arrivals takes one of for DUR or count N, once`},
		{"arrivals=200/s for 0s; [wait 1s]", `-e:1:20: for must be more than 0`},
		{"arrivals=200/s count 0; [wait 1s]", `-e:1:22: count must be a whole number from 1 to 100000000, got "0"`},
		{"arrivals=1e9/s for 1h; [wait 1s]", `-e:1:10: arrivals would bring about 3600000000000 tasks (the limit is 100000000)`},
		{"arrivals=1/s for 1s uniform poisson; [wait 1s]", `-e:1:29: the arrival pattern is given twice`},
		{"arrivals=1/s for 1s soon; [wait 1s]", `-e:1:21: unexpected "soon" in arrivals= (want for DUR, count N, poisson or uniform)`},
		{"[wait 1s] weight 2", `-e:1:11: weight is only used with arrivals= (it picks the group an arrival is built from)`},
		{"a: [wait 1s]; 3 x b: [wait 1s]; arrivals=5/s for 1s", `-e:1:15: a count (N x) is not used with arrivals=: each arrival is one task built from a group`},
		{"[wait 1s] start 1s every 2s; arrivals=5/s for 1s", `-e:1:11: start is not used with arrivals=: each arrival is one task built from a group`},
		{"arrivals=5/s for 1s; [wait 1s] weight 0", `-e:1:39: weight must be a number > 0, got "0"`},
		{"arrivals=5/s for 1s; [wait 1s] weight 1e300", `-e:1:39: weight 1e300 is too large (at most 1e+09; weights are relative, e.g. 90 and 10)`},
		{"arrivals=5/s for 1s; [wait 1s] weight 1 weight 2", `-e:1:41: weight is set twice`},
		{"µ: [wait 1s, work 1s blocking]", `-e:1:22: blocking applies to wait steps only (work always occupies its thread)`},
		{"a: [wait 1s]; b: [wait 1s] after c", `-e:1:34: task "b" is after "c", and no task above it has that name`},
		{"a: [wait 1s] after b; b: [wait 1s]", `-e:1:20: task "a" is after "b", which comes later in the file (a task can only be after tasks above it)`},
		{"a: [wait 1s]; b: [wait 1s] after", `-e:1:33: after needs the name of a task above (e.g. after fetch), got the end`},
		{"a: [wait 1s]; b: [wait 1s] after a; arrivals=5/s for 1s", `-e:1:28: after is not used with arrivals=: each arrival is one task built from a group`},
		{"[wait 1s]\x01", `-e:1:10: unexpected control character '\x01'`},
		{"ok\u202Eexe: [wait 1s]", `-e:1:3: a name must not contain U+202E (a bidirectional text control, which reorders the text shown around it)`},
		{"name=é\u0085; [wait 1s]", `-e:1:7: a name must not contain U+0085 (a control character)`},
		{"[wait \xff]", `-e:1:1: inline workload is not valid UTF-8 text`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			w, err := ParseInline(tt.expr)
			if err == nil {
				t.Fatalf("ParseInline(%q) = %+v, want error %s", tt.expr, w, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "-e" || e.Line != 1 {
				t.Fatalf("error %#v is not an *Error at -e:1", err)
			}
			if err.Error() != tt.want {
				t.Errorf("ParseInline(%q)\n got %s\nwant %s", tt.expr, err, tt.want)
			}
		})
	}
}

// TestInlineArrivalsMatchYAML checks that the inline form of an open
// workload means what the same workload written in YAML means.
func TestInlineArrivalsMatchYAML(t *testing.T) {
	tests := []struct{ inline, yaml string }{
		{"arrivals=200/s for 10s; req: [work 1ms, wait exp(100ms)]",
			"arrivals: {rate: 200/s, for: 10s}\ntasks: [{name: req, steps: [{work: 1ms}, {wait: exp(100ms)}]}]"},
		{"hit: [work 50us] weight 9; arrivals=30/min count 1000 uniform; miss: [work 1ms, wait 40ms]",
			"arrivals: {rate: 30/min, count: 1000, pattern: uniform}\ntasks: [{name: hit, weight: 9, steps: [{work: 50us}]}, {name: miss, steps: [{work: 1ms}, {wait: 40ms}]}]"},
	}
	for _, tt := range tests {
		in, err := ParseInline(tt.inline)
		if err != nil {
			t.Fatalf("ParseInline(%q): %v", tt.inline, err)
		}
		y, err := Parse("w.yaml", []byte(tt.yaml))
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.yaml, err)
		}
		if in.Arrivals == nil || *in.Arrivals != (Arrivals{Rate: y.Arrivals.Rate, Pattern: y.Arrivals.Pattern, For: y.Arrivals.For, Count: y.Arrivals.Count, Pos: in.Arrivals.Pos}) {
			t.Errorf("%q: arrivals %+v, want %+v", tt.inline, in.Arrivals, y.Arrivals)
		}
		if len(in.Groups) != len(y.Groups) {
			t.Fatalf("%q: %d groups, want %d", tt.inline, len(in.Groups), len(y.Groups))
		}
		for i := range in.Groups {
			a, b := in.Groups[i], y.Groups[i]
			if a.Name != b.Name || a.Weight != b.Weight || a.Count != b.Count || !reflect.DeepEqual(withoutPos(a.Steps), withoutPos(b.Steps)) {
				t.Errorf("%q: group %d is %+v, want %+v", tt.inline, i, a, b)
			}
		}
	}
}

// TestInlineHelpExamples checks that every example in InlineHelp parses.
func TestInlineHelpExamples(t *testing.T) {
	n := 0
	inExamples := false
	for _, line := range splitLines(InlineHelp) {
		if strings.HasSuffix(line, "For example:") {
			inExamples = true
			continue
		}
		if !inExamples || line == "" {
			continue
		}
		n++
		if _, err := ParseInline(line); err != nil {
			t.Errorf("example %q: %v", line, err)
		}
	}
	if n < 4 {
		t.Errorf("found %d examples in InlineHelp, want at least 4", n)
	}
}

// The inline form of gather, use, choose and data reads as the YAML does.
func TestInlineShapesMatchYAML(t *testing.T) {
	tests := []struct{ inline, yaml string }{
		{"res db=10; 100 x [work 2ms, use db [wait 5ms], gather [3 x [wait 30ms], [work 1ms]]]",
			"resources: {db: {capacity: 10}}\ntasks: [{count: 100, steps: [{work: 2ms}, {use: db, steps: [{wait: 5ms}]}, {gather: [{count: 3, steps: [{wait: 30ms}]}, {steps: [{work: 1ms}]}]}]}]"},
		{"A: [use lock [gather [2x [use db [wait 1ms]]]]]; res lock=1 global; res db=2",
			"resources: {lock: {capacity: 1, scope: global}, db: {capacity: 2}}\ntasks: [{name: A, steps: [{use: lock, steps: [{gather: [{count: 2, steps: [{use: db, steps: [{wait: 1ms}]}]}]}]}]}]"},
		{"50 x [choose [90: [work 50us], 10: [wait 40ms, wait 1ms]], choose [[wait 1ms], 2.5: [work 1ms]]]",
			"tasks: [{count: 50, steps: [{choose: [{weight: 90, steps: [{work: 50us}]}, {weight: 10, steps: [{wait: 40ms}, {wait: 1ms}]}]}, {choose: [{steps: [{wait: 1ms}]}, {weight: 2.5, steps: [{work: 1ms}]}]}]}]"},
		{"8 x [work 100ms, wait 1ms offload process input 2MiB output 1KB] input 50MB output 1KB",
			"tasks: [{count: 8, input: 50MB, output: 1KB, steps: [{work: 100ms}, {wait: 1ms, offload: process, input: 2MiB, output: 1KB}]}]"},
		{"[gather [6x [gather [6x [gather [6 x [wait 50ms]]]]]]]",
			"tasks: [{steps: [{gather: [{count: 6, steps: [{gather: [{count: 6, steps: [{gather: [{count: 6, steps: [{wait: 50ms}]}]}]}]}]}]}]}]"},
	}
	for _, tt := range tests {
		in, err := ParseInline(tt.inline)
		if err != nil {
			t.Fatalf("ParseInline(%q): %v", tt.inline, err)
		}
		y, err := Parse("w.yaml", []byte(tt.yaml))
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.yaml, err)
		}
		if len(in.Resources) != len(y.Resources) {
			t.Fatalf("%q: resources %+v, want %+v", tt.inline, in.Resources, y.Resources)
		}
		for i := range in.Resources {
			a, b := in.Resources[i], y.Resources[i]
			if a.Name != b.Name || a.Capacity != b.Capacity || a.Scope != b.Scope {
				t.Errorf("%q: resource %+v, want %+v", tt.inline, a, b)
			}
		}
		for i := range in.Groups {
			a, b := in.Groups[i], y.Groups[i]
			if a.Count != b.Count || a.Input != b.Input || a.Output != b.Output || !reflect.DeepEqual(withoutPos(a.Steps), withoutPos(b.Steps)) {
				t.Errorf("%q: group %d is\n%+v, want\n%+v", tt.inline, i, a, b)
			}
		}
	}
}

func TestInlineShapeErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"[use db [wait 1ms]]", `-e:1:6: unknown resource "db": declare it with res db=N (e.g. res db=10; ...)`},
		{"res db=10; [use dbb [wait 1ms]]", `-e:1:17: unknown resource "dbb", did you mean "db"? (declared: db)`},
		{"res db=0; [wait 1ms]", `-e:1:8: capacity must be a whole number from 1 to 1000000, got "0"`},
		{"res db=10 local; [wait 1ms]", `-e:1:11: unexpected "local" after res db=10 (want global, process or ";")`},
		{"res db 10; [wait 1ms]", `-e:1:8: expected "=" and a capacity after the resource name (e.g. res db=10), got "10"`},
		{"res db=1; res db=2; [wait 1ms]", `-e:1:15: resource "db" is declared twice`},
		{"res 9db=1; [wait 1ms]", `-e:1:5: resource name "9db": want a letter or _ first, then letters, digits, _, - or .`},
		{"res db=1; [use db]", `-e:1:18: expected "[" with the steps that hold db (e.g. use db [wait 5ms]), got "]"`},
		{"[gather []]", `-e:1:9: empty gather [ ] (want e.g. gather [3 x [wait 30ms], [work 1ms]])`},
		{"[gather [0 x [wait 1ms]]]", `-e:1:10: a branch count must be a whole number from 1 to 100000000, got 0`},
		{"[gather [1000000000 x [wait 1ms]]]", `-e:1:10: a branch count must be a whole number from 1 to 100000000, got 1000000000`},
		{"[gather [3 [wait 1ms]]]", `-e:1:12: expected x after the branch count (e.g. 3 x [wait 30ms]), got "["`},
		{"[gather [[wait 1ms] [wait 2ms]]]", `-e:1:21: unexpected "[" after an entry of gather (want "," or "]")`},
		{"[gather wait 1ms]", `-e:1:9: expected "[" after gather (e.g. gather [3 x [wait 30ms], [work 1ms]]), got "wait"`},
		{"[gather [3 x [wait 1ms]]", `-e:1:25: missing "]" to close the steps opened at column 1`},
		{"[gather [3 x [wait 1ms]", `-e:1:24: missing "]" to close the gather opened at column 9`},
		{"20 x [gather [10000 x [gather [1000 x [wait 1s]]]]]", `-e:1:1: too many tasks: each copy of "task-1" gathers 10,010,000 branch tasks, about 200,200,020 tasks in all (at most 100,000,000)`},
		{"[choose [0: [wait 1ms]]]", `-e:1:10: weight must be a number > 0, got "0"`},
		{"[choose [90 [wait 1ms]]]", `-e:1:13: expected ":" after the weight (e.g. 90: [work 50us]), got "["`},
		{"[choose [heavy: [wait 1ms]]]", `-e:1:10: weight must be a number > 0, got "heavy"`},
		{"[work 1ms input 1MB]", `-e:1:11: input applies to a step offloaded to a process (put it after offload process); a task's own data goes after its steps`},
		{"[work 1ms offload process input 1mb]", `-e:1:33: unknown size unit "mb" in "1mb" (want a size like 2MB, 10KB, 512B or 1MiB: KB, MB and GB are 1000-based, KiB, MiB and GiB 1024-based)`},
		{"[work 1ms offload process input 1MB input 2MB]", `-e:1:37: input is set twice`},
		{"[work 1ms] input", `-e:1:17: input needs a size like 2MB, got the end`},
		{"[gosub 1ms]", `-e:1:2: unknown step kind "gosub" (want work, wait, repeat, use, gather or choose)`},
		{"[" + strings.Repeat("gather [[", MaxNest+1) + "wait 1ms" + strings.Repeat("]]", MaxNest+1) + "]",
			`-e:1:146: blocks nested too deeply (at most 16 levels of repeat, use, gather and choose)`},
	}
	for _, tt := range tests {
		_, err := ParseInline(tt.expr)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseInline(%q)\n got %v\nwant %s", tt.expr, err, tt.want)
		}
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Errorf("%q: error %T is not *Error", tt.expr, err)
		}
	}
}

package workload

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// The example of SPEC §1.1, as written there.
const specShapes = `resources:
  db:   {capacity: 10}               # a connection pool: at most 10 holders, FIFO waiters
  lock: {capacity: 1, scope: global} # scope: process (default: each worker process has its own) | global
tasks:
  - name: view
    count: 100
    input: 2MB                       # bytes pickled to a worker process (processes only)
    output: 10KB                     # bytes pickled back
    steps:
      - work: 2ms
      - use: db                      # acquire one unit, run the steps, release (also on the way out)
        steps: [{wait: 5ms}]
      - gather:                      # fan-out; the task goes on when every branch has finished
          - steps: [{wait: 30ms}]
          - count: 6                 # six copies of this branch; branches nest (gather inside gather)
            steps: [{work: 1ms}, {wait: exp(20ms)}]
      - choose:                      # exactly one alternative, drawn with the workload's seed
          - weight: 90
            steps: [{work: 50us}]    # cache hit
          - weight: 10
            steps: [{use: db, steps: [{wait: 40ms}]}]
`

func TestParseShapes(t *testing.T) {
	w, err := Parse("view.yaml", []byte(specShapes))
	if err != nil {
		t.Fatal(err)
	}
	wantRes := []Resource{
		{Name: "db", Capacity: 10, Scope: ScopeProcess, Pos: Pos{2, 3}},
		{Name: "lock", Capacity: 1, Scope: ScopeGlobal, Pos: Pos{3, 3}},
	}
	if !reflect.DeepEqual(w.Resources, wantRes) {
		t.Errorf("resources %+v, want %+v", w.Resources, wantRes)
	}
	g := w.Groups[0]
	if g.Input != 2_000_000 || g.Output != 10_000 {
		t.Errorf("input %d, output %d; want 2MB = 2,000,000 and 10KB = 10,000 bytes", g.Input, g.Output)
	}
	want := []Step{
		{Kind: Work, Dur: Dist{A: 2_000_000}, Pos: Pos{10, 9}},
		{Kind: Use, Resource: 0, Pos: Pos{11, 9}, Steps: []Step{{Kind: Wait, Dur: Dist{A: 5_000_000}, Pos: Pos{12, 18}}}},
		{Kind: Gather, Pos: Pos{13, 9}, Branches: []Branch{
			{Count: 1, Pos: Pos{14, 13}, Steps: []Step{{Kind: Wait, Dur: Dist{A: 30_000_000}, Pos: Pos{14, 22}}}},
			{Count: 6, Pos: Pos{15, 13}, Steps: []Step{
				{Kind: Work, Dur: Dist{A: 1_000_000}, Pos: Pos{16, 22}},
				{Kind: Wait, Dur: Dist{Kind: Exp, A: 20_000_000}, Pos: Pos{16, 35}},
			}},
		}},
		{Kind: Choose, Pos: Pos{17, 9}, Alternatives: []Alternative{
			{Weight: 90, Pos: Pos{18, 13}, Steps: []Step{{Kind: Work, Dur: Dist{A: 50_000}, Pos: Pos{19, 22}}}},
			{Weight: 10, Pos: Pos{20, 13}, Steps: []Step{{Kind: Use, Resource: 0, Pos: Pos{21, 22},
				Steps: []Step{{Kind: Wait, Dur: Dist{A: 40_000_000}, Pos: Pos{21, 40}}}}}},
		}},
	}
	if !reflect.DeepEqual(g.Steps, want) {
		t.Errorf("steps\n got %+v\nwant %+v", g.Steps, want)
	}
	// 100 copies, each a task and 7 branch tasks.
	// Per copy: the work, the use (2 + its wait), the gather (1, then 2 +
	// the steps of each of its 7 branch tasks), the choose (its weighted
	// mean, 0.9 × 1 + 0.1 × 3, rounded up).
	if n := 100 * (1 + (2 + 1) + 1 + (2 + 1) + 6*(2+2) + 2); w.Steps() != int64(n) {
		t.Errorf("Steps = %d, want %d", w.Steps(), n)
	}
}

// A tree of gathers 6 levels deep, 6 branches each, is a few lines, and
// 55,986 tasks besides its own.
func TestGatherTree(t *testing.T) {
	oneLine := "tasks: [{name: crawl, steps: [" + strings.Repeat("{gather: [{count: 6, steps: [", 6) + "{wait: 50ms}" + strings.Repeat("]}]}", 6) + "]}]"
	w, err := Parse("tree.yaml", []byte(oneLine))
	if err != nil {
		t.Fatal(err)
	}
	c := checker{resources: 0}
	info, perr := c.steps(w.Groups[0].Steps, 0, 0, 1)
	if perr != nil || info.kids != 55986 {
		t.Errorf("branch tasks %v (%v), want 55,986", info.kids, perr)
	}
	if got := w.PythonWork(); got != 0 {
		t.Errorf("PythonWork = %v", got)
	}
	// Gathers nest 12 deep within the YAML nesting limit (four levels of
	// lists and mappings each).
	deep := "tasks: [{steps: [" + strings.Repeat("{gather: [{steps: [", 12) + "{wait: 1ms}" + strings.Repeat("]}]}", 12) + "]}]"
	if _, err := Parse("deep.yaml", []byte(deep)); err != nil {
		t.Errorf("12 gathers deep: %v", err)
	}
	// Blocks of any kind nest to MaxNest.
	uses := "resources: {db: {capacity: 20}}\ntasks: [{steps: [" + strings.Repeat("{use: db, steps: [", MaxNest) + "{wait: 1ms}" + strings.Repeat("]}", MaxNest) + "]}]"
	if _, err := Parse("deep.yaml", []byte(uses)); err != nil {
		t.Errorf("%d uses deep: %v", MaxNest, err)
	}
	uses = "resources: {db: {capacity: 20}}\ntasks: [{steps: [" + strings.Repeat("{use: db, steps: [", MaxNest+1) + "{wait: 1ms}" + strings.Repeat("]}", MaxNest+1) + "]}]"
	if _, err := Parse("deeper.yaml", []byte(uses)); err == nil || err.Error() != "deeper.yaml:2:307: blocks nested too deeply (at most 16 levels of repeat, use, gather and choose)" {
		t.Errorf("%d uses deep: %v, want refused", MaxNest+1, err)
	}
}

func TestParseShapeErrors(t *testing.T) {
	const db = "resources: {db: {capacity: 10}}\n"
	tests := []struct {
		name, src, want string
	}{
		{"capacity 0", "resources: {db: {capacity: 0}}\ntasks: [{steps: [{wait: 1s}]}]",
			`w.yaml:1:28: capacity must be a whole number from 1 to 1000000, got 0`},
		{"no capacity", "resources: {db: {scope: global}}\ntasks: [{steps: [{wait: 1s}]}]",
			`w.yaml:1:18: resource db needs a capacity (e.g. db: {capacity: 10}; a lock is capacity: 1)`},
		{"capacity as the value", "resources: {db: 10}\ntasks: [{steps: [{wait: 1s}]}]",
			`w.yaml:1:17: resource db is a mapping with its capacity: write db: {capacity: 10}`},
		{"bad scope", "resources: {db: {capacity: 2, scope: machine}}\ntasks: [{steps: [{wait: 1s}]}]",
			`w.yaml:1:38: scope must be process or global, got "machine"`},
		{"unknown resource key", "resources: {db: {capacity: 2, size: 3}}\ntasks: [{steps: [{wait: 1s}]}]",
			`w.yaml:1:31: unknown key "size" in resource db (want capacity or scope)`},
		{"bad resource name", "resources: {2db: {capacity: 2}}\ntasks: [{steps: [{wait: 1s}]}]",
			`w.yaml:1:13: resource name "2db": want a letter or _ first, then letters, digits, _, - or .`},
		{"resource named like a step", "resources: {wait: {capacity: 2}}\ntasks: [{steps: [{wait: 1s}]}]",
			`w.yaml:1:13: resource name "wait" is a word of the workload language; pick another`},
		{"unknown resource", db + "tasks: [{steps: [{use: dbb, steps: [{wait: 1s}]}]}]",
			`w.yaml:2:24: unknown resource "dbb", did you mean "db"? (declared: db)`},
		{"unknown resource, no hint", db + "tasks: [{steps: [{use: cache, steps: [{wait: 1s}]}]}]",
			`w.yaml:2:24: unknown resource "cache" (declared: db)`},
		{"resource in other case", db + "tasks: [{steps: [{use: DB, steps: [{wait: 1s}]}]}]",
			`w.yaml:2:24: unknown resource "DB", did you mean "db"? (declared: db)`},
		{"no resources", "tasks: [{steps: [{use: db, steps: [{wait: 1s}]}]}]",
			`w.yaml:1:24: unknown resource "db": declare it under resources: (e.g. resources: {db: {capacity: 10}})`},
		{"use without steps", db + "tasks: [{steps: [{use: db}]}]",
			`w.yaml:2:19: use needs steps: (what runs while it holds db, e.g. {use: db, steps: [{wait: 5ms}]})`},
		{"use without a name", db + "tasks: [{steps: [{use: , steps: [{wait: 1s}]}]}]",
			`w.yaml:2:19: use needs the name of a resource, e.g. {use: db, steps: [{wait: 5ms}]}, got nothing`},
		{"offload on use", db + "tasks: [{steps: [{use: db, offload: thread, steps: [{wait: 1s}]}]}]",
			`w.yaml:2:28: offload applies to the work and wait steps inside a use, not to the use`},
		{"empty gather", "tasks: [{steps: [{gather: []}]}]",
			`w.yaml:1:27: gather must not be empty (want at least one of its branches, e.g. gather: [{steps: [{wait: 30ms}]}, {count: 6, steps: [{wait: 20ms}]}])`},
		{"gather of steps", "tasks: [{steps: [{gather: [{wait: 1s}]}]}]",
			`w.yaml:1:29: a branch of gather holds its steps under steps: (e.g. {steps: [{wait: …}]})`},
		{"gather not a list", "tasks: [{steps: [{gather: 3}]}]",
			`w.yaml:1:27: gather must be a list of branches (e.g. gather: [{steps: [{wait: 30ms}]}, {count: 6, steps: [{wait: 20ms}]}]), got 3`},
		{"count beside gather", "tasks: [{steps: [{gather: [{steps: [{wait: 1s}]}], count: 3}]}]",
			`w.yaml:1:52: count belongs to each entry of gather: (e.g. gather: [{steps: [{wait: 30ms}]}, {count: 6, steps: [{wait: 20ms}]}])`},
		{"branch without steps", "tasks: [{steps: [{gather: [{count: 2}]}]}]",
			`w.yaml:1:29: a branch of gather needs steps: (e.g. {count: 6, steps: [{wait: 20ms}]})`},
		{"branch count 0", "tasks: [{steps: [{gather: [{count: 0, steps: [{wait: 1s}]}]}]}]",
			`w.yaml:1:36: count must be a whole number from 1 to 100000000, got 0`},
		{"gather of a billion", "tasks: [{steps: [{gather: [{count: 1000000000, steps: [{wait: 1s}]}]}]}]",
			`w.yaml:1:36: count must be a whole number from 1 to 100000000, got 1000000000`},
		{"gathers multiply past MaxTasks", "tasks: [{count: 20, steps: [{gather: [{count: 10000, steps: [{gather: [{count: 1000, steps: [{wait: 1s}]}]}]}]}]}]",
			`w.yaml:1:10: too many tasks: each copy of "task-1" gathers 10,010,000 branch tasks, about 200,200,020 tasks in all (at most 100,000,000)`},
		{"gathers and repeats multiply", "tasks: [{steps: [{repeat: 100000, steps: [{gather: [{count: 100000, steps: [{wait: 1us}]}]}]}]}]",
			`w.yaml:1:54: nested repeats and gathers multiply to more than 1000000000 runs of the innermost steps`},
		{"weight 0", "tasks: [{steps: [{choose: [{weight: 0, steps: [{wait: 1s}]}]}]}]",
			`w.yaml:1:37: weight must be a number > 0, got 0`},
		{"negative weight", "tasks: [{steps: [{choose: [{weight: -5, steps: [{wait: 1s}]}]}]}]",
			`w.yaml:1:37: weight must be a number > 0, got -5`},
		{"empty choose", "tasks: [{steps: [{choose: []}]}]",
			`w.yaml:1:27: choose must not be empty (want at least one of its alternatives, e.g. choose: [{weight: 90, steps: [{work: 50us}]}, {weight: 10, steps: [{wait: 40ms}]}])`},
		{"alternative without steps", "tasks: [{steps: [{choose: [{weight: 2}]}]}]",
			`w.yaml:1:29: an alternative of choose needs steps: (e.g. {weight: 90, steps: [{work: 50us}]})`},
		{"misspelt weight", "tasks: [{steps: [{choose: [{wieght: 2, steps: [{wait: 1s}]}]}]}]",
			`w.yaml:1:29: unknown key "wieght" in an alternative of choose, did you mean "weight"? (want weight or steps)`},
		{"size unit", "tasks: [{input: 2mb, steps: [{wait: 1s}]}]",
			`w.yaml:1:17: unknown size unit "mb" in "2mb" (want a size like 2MB, 10KB, 512B or 1MiB: KB, MB and GB are 1000-based, KiB, MiB and GiB 1024-based)`},
		{"size too large", "tasks: [{output: 2TiB, steps: [{wait: 1s}]}]",
			`w.yaml:1:18: size 2TiB is too large (at most 1TiB)`},
		{"fractional bytes", "tasks: [{input: 1.5, steps: [{wait: 1s}]}]",
			`w.yaml:1:17: size 1.5 needs a unit (want a size like 2MB, 10KB, 512B or 1MiB: KB, MB and GB are 1000-based, KiB, MiB and GiB 1024-based)`},
		{"input on a step in place", "tasks: [{steps: [{work: 1s, input: 1MB}]}]",
			`w.yaml:1:29: input applies to a step offloaded to a process (offload: process), whose data is pickled; give the task's own data on the task`},
		{"input at the top", "input: 1MB\ntasks: [{steps: [{wait: 1s}]}]",
			`w.yaml:1:1: input belongs to a task: put it beside its steps: (e.g. tasks: [{input: 2MB, steps: [{work: 5ms}]}])`},
		{"use at the top", "use: db\ntasks: [{steps: [{wait: 1s}]}]",
			`w.yaml:1:1: use belongs to a task: put it under tasks: (e.g. tasks: [{steps: [{wait: 2s}]}])`},
		{"gather in a task", "tasks: [{gather: [{steps: [{wait: 1s}]}]}]",
			`w.yaml:1:10: gather is a step: put it under steps: (e.g. steps: [{gather: …}])`},
		{"two kinds", db + "tasks: [{steps: [{use: db, gather: [{steps: [{wait: 1s}]}]}]}]",
			`w.yaml:2:28: a step has exactly one of work, wait, repeat, use, gather or choose; this one has use and gather`},
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

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"512", 512}, {"512B", 512}, {"10KB", 10_000}, {"10kB", 10_000}, {"2MB", 2_000_000},
		{"2.5MB", 2_500_000}, {"1GB", 1_000_000_000}, {"1KiB", 1024}, {"2MiB", 2 << 20}, {"1 GiB", 1 << 30},
		{"1TiB", 1 << 40},
	} {
		if got, msg := parseSize(tt.in); msg != "" || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %q; want %d", tt.in, got, msg, tt.want)
		}
	}
	for _, in := range []string{"", "MB", "-1MB", "1e6", "0x10", "2 M", "1.5", "1_000"} {
		if _, msg := parseSize(in); msg == "" {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
	if got := FormatSize(2_500_000); got != "2.5MB" {
		t.Errorf("FormatSize = %s", got)
	}
}

package workload

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// deepMapping returns depth block mappings, each indented one more space.
func deepMapping(depth int) string {
	var b strings.Builder
	for i := range depth {
		b.WriteString(strings.Repeat(" ", i) + "a:\n")
	}
	return b.String()
}

func TestNestingErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"flow lists", strings.Repeat("[", 100),
			`w.yaml:1:64: lists and mappings nested too deeply (at most 64 levels; a workload needs about 20)`},
		{"flow mappings", strings.Repeat("{a: ", 100),
			`w.yaml:1:253: lists and mappings nested too deeply (at most 64 levels; a workload needs about 20)`},
		{"flow after a key", "tasks: " + strings.Repeat("[", 100),
			`w.yaml:1:71: lists and mappings nested too deeply (at most 64 levels; a workload needs about 20)`},
		{"block lists on one line", strings.Repeat("- ", 100) + "x",
			`w.yaml:1:129: lists and mappings nested too deeply (at most 64 levels; a workload needs about 20)`},
		{"block mappings", deepMapping(100),
			`w.yaml:65:65: lists and mappings nested too deeply (at most 64 levels; a workload needs about 20)`},
		{"block then flow", "tasks:\n  - steps: " + strings.Repeat("[", 100),
			`w.yaml:2:73: lists and mappings nested too deeply (at most 64 levels; a workload needs about 20)`},
		{"after a document marker", "--- " + strings.Repeat("[", 100),
			`w.yaml:1:69: lists and mappings nested too deeply (at most 64 levels; a workload needs about 20)`},
		// goccy places tokens after a tag one column early.
		{"after a tag", "tasks: !!seq " + strings.Repeat("[", 100),
			`w.yaml:1:76: lists and mappings nested too deeply (at most 64 levels; a workload needs about 20)`},
		{"after a quoted key", `"tasks": ` + strings.Repeat("[", 100),
			`w.yaml:1:73: lists and mappings nested too deeply (at most 64 levels; a workload needs about 20)`},
		{"quote inside a plain scalar", "about: it's\ntasks: " + strings.Repeat("[", 100),
			`w.yaml:2:71: lists and mappings nested too deeply (at most 64 levels; a workload needs about 20)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("w.yaml", []byte(tt.src))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestNestingNotFooled checks that brackets and dashes in quoted text,
// comments and block scalars do not count, and that the deepest nesting a
// workload needs passes.
func TestNestingNotFooled(t *testing.T) {
	deep := strings.Repeat("[", 200) + strings.Repeat("{", 200) + strings.Repeat("- ", 100)
	for _, src := range []string{
		"about: \"" + deep + "\"\ntasks: [{steps: [{wait: 1s}]}]",
		"about: '" + deep + "'\ntasks: [{steps: [{wait: 1s}]}]",
		"about: 'it''s " + deep + "'\ntasks: [{steps: [{wait: 1s}]}]",
		"about: \"a \\\" " + deep + "\"\ntasks: [{steps: [{wait: 1s}]}]",
		"about: \"two\n  lines " + deep + "\"\ntasks: [{steps: [{wait: 1s}]}]",
		"# " + deep + "\ntasks: [{steps: [{wait: 1s}]}] # " + deep,
		"about: |\n  " + deep + "\n  " + deep + "\n\n  more\ntasks: [{steps: [{wait: 1s}]}]",
		"about: >-\n   " + deep + "\ntasks:\n  - steps:\n      - wait: 1s",
		"about: a[" + deep + "\ntasks: [{steps: [{wait: 1s}]}]",
		"name: \"[x\"\ntasks: [{name: \"{\", steps: [{wait: 1s}]}, {name: '[', steps: [{wait: 1s}]}]",
		nested(MaxDepth),
		flowNested(MaxDepth),
	} {
		if _, err := Parse("w.yaml", []byte(src)); err != nil {
			t.Errorf("Parse(%.60q…): %v", src, err)
		}
	}
}

// flowNested is nested written in flow style.
func flowNested(depth int) string {
	s := "{wait: 1ms}"
	for range depth {
		s = "{repeat: 2, steps: [" + s + "]}"
	}
	return "tasks: [{name: a, steps: [" + s + "]}]"
}

// TestNestingCost parses 100 KB of hostile nesting of each kind and checks
// that it is refused at once: before the check, 20 KB of "[" made the YAML
// library allocate 177 MiB and 100 KB of it 3.75 GiB.
func TestNestingCost(t *testing.T) {
	const size = 100_000
	const maxAlloc = 50 << 20
	for _, tt := range []struct{ name, src string }{
		{"[", strings.Repeat("[", size)},
		{"{a: ", strings.Repeat("{a: ", size/4)},
		{"- ", strings.Repeat("- ", size/2) + "x\n"},
		{"--- [ (seen only in the tokens)", "--- " + strings.Repeat("[", size)},
		{"!!seq [ (seen only in the tokens)", "a: !!seq " + strings.Repeat("[", size)},
		{"[ between quotes", strings.Repeat(`["",`, size/4)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := Parse("w.yaml", []byte(tt.src))
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), "nested too deeply") {
				t.Fatalf("Parse: %v, want nested too deeply", err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > maxAlloc {
				t.Errorf("Parse allocated %d MiB, want at most %d MiB", alloc>>20, maxAlloc>>20)
			}
			if took > 2*time.Second {
				t.Errorf("Parse took %v, want well under 2s", took)
			}
		})
	}
}

// TestWidthCost: files that are wide rather than deep. The YAML library
// takes about 800 bytes for each node (8 MiB of "1," took it 3.2 GB) and
// time growing with the square of a mapping's keys (20,000 keys, 9 s); both
// are refused, where they start to go wrong, before it reads them.
func TestWidthCost(t *testing.T) {
	const maxAlloc = 50 << 20
	keys := func(n int) string {
		var b strings.Builder
		b.WriteString("tasks:\n  - ")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "k%d: v\n    ", i)
		}
		return b.String()
	}
	for _, tt := range []struct{ name, src, want string }{
		{"4 M flow entries", "tasks: [" + strings.Repeat("1,", 4<<20-8) + "1]", "w.yaml:1:400006: too many list entries, keys and values (more than 200,000;"},
		{"2 M block entries", "tasks:\n" + strings.Repeat("- 1\n", 2<<20-8), "w.yaml:100001:3: too many list entries"},
		{"20,000 keys in a flow mapping", "tasks: [{" + strings.Repeat("a: 1, ", 20_000) + "b: 1}]", "w.yaml:1:6008: a mapping with more than 1000 keys"},
		{"20,000 keys in a block mapping", keys(20_000), "w.yaml:1002:5: a mapping with more than 1000 keys"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Parse("w.yaml", []byte(tt.src))
			runtime.ReadMemStats(&after)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("Parse: %v\nwant %s…", err, tt.want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > maxAlloc {
				t.Errorf("Parse allocated %d MiB, want at most %d MiB", alloc>>20, maxAlloc>>20)
			}
		})
	}
	// A long list of tasks under the limits still reads.
	var b strings.Builder
	b.WriteString("tasks:\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "  - name: t%d\n    steps: [{work: 1ms}, {wait: 2ms}]\n", i)
	}
	if w, err := Parse("w.yaml", []byte(b.String())); err != nil || len(w.Groups) != 5000 {
		t.Fatalf("5,000 listed tasks: %v", err)
	}
}

package runtime

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/conclab/conclab/model"
)

func TestBuiltinRoundTrip(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			p, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != name {
				t.Fatalf("Name = %q", p.Name)
			}
			data, err := p.YAML()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), name+".yaml")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := Load(path)
			if err != nil {
				t.Fatalf("Load(YAML()): %v\n%s", err, data)
			}
			if !reflect.DeepEqual(got, p) {
				t.Fatalf("round trip changed the profile:\n got %+v\nwant %+v", got, p)
			}
		})
	}
}

func TestBuiltinSources(t *testing.T) {
	for _, name := range Names() {
		p, _ := Builtin(name)
		if p.Slowdown <= 0 || p.Sources["Slowdown"] == "" {
			t.Errorf("%s: slowdown %v with source %q", name, p.Slowdown, p.Sources["Slowdown"])
		}
		for _, c := range constants {
			v := *c.ptr(&p)
			if v < 0 {
				t.Errorf("%s: %s is negative", name, c.field)
			}
			if v != 0 && strings.TrimSpace(p.Sources[c.field]) == "" {
				t.Errorf("%s: %s = %d has no source", name, c.field, v)
			}
		}
		for field := range p.Sources {
			if sourceKey(field) == "" {
				t.Errorf("%s: source for unknown field %q", name, field)
			}
		}
	}
}

func TestBuiltinRules(t *testing.T) {
	tests := []struct {
		name                     string
		gil, asyncio, processes  bool
		minSlowdown, maxSlowdown float64
	}{
		{"cpython", true, true, true, 1, 1},
		{"cpython-3.8", true, true, true, 1, 1},
		{"cpython-3.12", true, true, true, 1, 1},
		{"cpython-3.13", true, true, true, 1, 1},
		// Measured on the work loop: 3.13t has no specialising
		// interpreter, so Python code runs about twice as long.
		{"cpython-3.13t", false, true, true, 1.5, 3},
		{"cpython-ft", false, true, true, 1.5, 3},
		{"cpython-3.14t", false, true, true, 1.05, 1.10},
		{"java", false, false, true, 1, 1},
		{"go", false, false, true, 1, 1},
	}
	for _, tt := range tests {
		p, _ := Builtin(tt.name)
		if p.GIL != tt.gil || p.Asyncio != tt.asyncio || p.Processes != tt.processes ||
			p.Slowdown < tt.minSlowdown || p.Slowdown > tt.maxSlowdown {
			t.Errorf("%s: gil %v asyncio %v processes %v slowdown %v", tt.name, p.GIL, p.Asyncio, p.Processes, p.Slowdown)
		}
		if !p.Asyncio && (p.LoopResume != 0 || p.TaskCreate != 0 || p.TaskRSS != 0) {
			t.Errorf("%s: asyncio costs on a runtime without asyncio", tt.name)
		}
	}
	// An alias is the profile it stands for under another name; 3.14t has
	// 3.13t's costs and memory, with the published slowdown.
	for alias, target := range map[string]string{"cpython": "cpython-3.11", "cpython-ft": "cpython-3.13t", "cpython-3.14t": "cpython-3.13t"} {
		a, _ := Builtin(alias)
		p, _ := Builtin(target)
		if AliasOf(alias) != target && alias != "cpython-3.14t" {
			t.Errorf("AliasOf(%s) = %q, want %s", alias, AliasOf(alias), target)
		}
		a.Name, a.Slowdown, a.Sources, a.Python, a.Verify = p.Name, p.Slowdown, p.Sources, p.Python, p.Verify
		if !reflect.DeepEqual(a, p) {
			t.Errorf("%s's constants differ from %s's", alias, target)
		}
	}
}

// Every built-in CPython release is its own measurement: its release,
// the command that proves it, and figures of its own.
func TestBuiltinVersions(t *testing.T) {
	seen := map[int64]string{}
	for _, name := range Names() {
		p, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != name || !p.CPython() != (name == "java" || name == "go") {
			t.Errorf("%s: name %q, CPython %v", name, p.Name, p.CPython())
		}
		if !strings.HasPrefix(name, "cpython-3.") || name == "cpython-3.14t" {
			continue
		}
		if want := strings.TrimPrefix(name, "cpython-"); p.Python != want {
			t.Errorf("%s: release %q, want %q", name, p.Python, want)
		}
		if !strings.HasPrefix(p.Verify, "conclab verify --suite") {
			t.Errorf("%s: no verify command (%q)", name, p.Verify)
		}
		if other, ok := seen[p.ThreadStart]; ok {
			t.Errorf("%s has the thread start of %s: not measured on its own", name, other)
		}
		seen[p.ThreadStart] = name
		if strings.HasSuffix(name, "t") == p.GIL {
			t.Errorf("%s: gil %v", name, p.GIL)
		}
	}
}

func TestForPython(t *testing.T) {
	tests := []struct {
		major, minor int
		ft           bool
		want         string
		exact        bool
	}{
		{3, 8, false, "cpython-3.8", true},
		{3, 11, false, "cpython-3.11", true},
		{3, 13, false, "cpython-3.13", true},
		{3, 13, true, "cpython-3.13t", true},
		{3, 14, true, "cpython-3.14t", true},
		{3, 14, false, "cpython-3.13", false},
		{3, 15, true, "cpython-3.14t", false},
		{3, 7, false, "cpython-3.8", false},
		{3, 12, true, "cpython-3.13t", false},
	}
	for _, tt := range tests {
		got, exact := ForPython(tt.major, tt.minor, tt.ft)
		if got != tt.want || exact != tt.exact {
			t.Errorf("ForPython(%d, %d, %v) = %s, %v; want %s, %v", tt.major, tt.minor, tt.ft, got, exact, tt.want, tt.exact)
		}
	}
}

// asyncio(eager) is 3.12's eager_task_factory: refused before it.
func TestEagerNeeds312(t *testing.T) {
	eager, err := model.Parse("asyncio(eager)")
	if err != nil {
		t.Fatal(err)
	}
	nested, err := model.Parse("processes(2)*asyncio(eager)")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"cpython", "cpython-3.8", "cpython-3.11", "cpython-3.12", "cpython-3.13", "cpython-3.13t", "java"} {
		p, _ := Builtin(name)
		for _, d := range []model.Deployment{eager, nested} {
			err := p.Check(d)
			ok := name == "cpython-3.12" || name == "cpython-3.13" || name == "cpython-3.13t"
			if (err == nil) != ok {
				t.Errorf("%s, %s: %v", name, d, err)
			}
			if err != nil && name == "cpython-3.11" && !strings.Contains(err.Error(), "new in CPython 3.12") {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	// A profile file of an older conclab does not say its release.
	if err := (Profile{Name: "cpython", Asyncio: true}).Check(eager); err != nil {
		t.Errorf("an unversioned profile: %v", err)
	}
}

func TestBuiltinIsFresh(t *testing.T) {
	p, _ := Builtin("cpython")
	p.Sources["ThreadStart"] = "changed"
	q, _ := Builtin("cpython")
	if q.Sources["ThreadStart"] == "changed" {
		t.Fatal("Builtin shares its Sources map between calls")
	}
}

func TestBuiltinUnknown(t *testing.T) {
	_, err := Builtin("pypy")
	want := `unknown runtime "pypy" (want cpython, cpython-ft, cpython-3.8, cpython-3.9, cpython-3.10, cpython-3.11, cpython-3.12, cpython-3.13, cpython-3.13t, cpython-3.14t, java or go)`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

// The cpython constants are the medians measure.py printed, kept in testdata.
func TestCPythonMatchesMeasurement(t *testing.T) {
	data, err := os.ReadFile("testdata/cpython-measured.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Python  string
		Results map[string]struct{ Median float64 }
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.Python != "3.11.7" {
		t.Errorf("measured on CPython %s; the sources say 3.11.7", m.Python)
	}
	p, _ := Builtin("cpython")
	for _, c := range constants {
		r, ok := m.Results[c.field]
		if !ok && isArrived(c.field) {
			continue // measured with gil_sleeper.py on two hosts, as their sources say
		}
		if goOnly(c.field) {
			if *c.ptr(&p) != 0 {
				t.Errorf("%s = %d for CPython", c.field, *c.ptr(&p))
			}
			continue
		}
		if !ok {
			t.Errorf("%s: not in the measurement", c.field)
			continue
		}
		if got := *c.ptr(&p); math.Abs(float64(got)-r.Median) > 1 {
			t.Errorf("%s = %d, measured median %v", c.field, got, r.Median)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	cp, _ := Builtin("cpython")
	good, err := cp.YAML()
	if err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) string {
		if !strings.Contains(string(good), old) {
			t.Fatalf("%q not in the profile", old)
		}
		return strings.Replace(string(good), old, new, 1)
	}
	tests := []struct {
		name, text, want string
	}{
		{"unknown key", replace("gil: true", "gil: true\nfibers: 3"), `P:4:1: unknown key "fibers" (want name, gil, `},
		{"bad duration", replace("thread_start: 97.31us", "thread_start: 78 parsecs"), `P:9:15: thread_start: bad duration "78 parsecs" (want a duration like 45us or 4.5ms)`},
		{"duration without unit", replace("thread_start: 97.31us", "thread_start: 78"), `P:9:15: thread_start: a duration needs a unit, like 45us or 4.5ms`},
		{"negative duration", replace("thread_start: 97.31us", "thread_start: -1us"), `P:9:15: thread_start: negative duration "-1us"`},
		{"size with unit", replace("thread_rss: 16556", "thread_rss: 16KiB"), `P:55:13: thread_rss: want a size in bytes, like 16384`},
		{"negative size", replace("thread_rss: 16556", "thread_rss: -5"), `P:55:13: thread_rss: want a size in bytes from 0 up, like 16384`},
		{"bad bool", replace("gil: true", "gil: maybe"), `P:3:6: gil: want true or false`},
		{"bad slowdown", replace("slowdown: 1 ", "slowdown: 0 "), `P:6:11: slowdown: want a factor above 0, like 1.1`},
		{"missing key", replace("task_rss: 984", ""), `P:2:1: missing key task_rss`},
		{"duplicate key", replace("gil: true", "gil: true\ngil: false"), `P:4:1: mapping key "gil" already defined at [3:1]`},
		{"unknown source", replace("sources:", "sources:\n  fibers: \"x\""), `P:61:3: sources: unknown key "fibers" (want slowdown or thread_start, `},
		{"broken YAML", "name: [cpython\n", `P:1:7: sequence end token ']' not found`},
		{"not a mapping", "- cpython\n", `P:1:1: want a mapping of profile keys (name, gil, thread_start, …)`},
		{"empty", "", `P: want one YAML document holding a profile`},
		{"binary", "\x7fELF\x02\x01\x01\x00", `P: not a YAML profile (binary data)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.yaml")
			if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			want := strings.Replace(tt.want, "P", path, 1)
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("got  %v\nwant %s…", err, want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.yaml")); err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
}

// TestLoadRefusesHostileYAML: a profile file passes the same guards as a
// workload before the YAML library reads it (20 KB of "[" took it 651 MB).
func TestLoadRefusesHostileYAML(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ name, text, want string }{
		{"deep.yaml", "name: cpython\nx: " + strings.Repeat("[", 20_000), ":2:67: lists and mappings nested too deeply"},
		{"wide.yaml", "name: cpython\nx: [" + strings.Repeat("1,", 300_000) + "1]", ":2:400000: too many list entries"},
		{"big.yaml", "name: cpython\n" + strings.Repeat("#", 9<<20), ": too large for a profile"},
	} {
		path := filepath.Join(dir, tt.name)
		if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
			t.Fatal(err)
		}
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		_, err := Load(path)
		goruntime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), path+tt.want) {
			t.Errorf("Load(%s) = %v, want %s…", tt.name, err, path+tt.want)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 50<<20 {
			t.Errorf("Load(%s) allocated %d MiB", tt.name, alloc>>20)
		}
	}
}

// A profile written before the pickling costs existed loads, with the
// built-in figures for them, and says so.
func TestLoadOlderProfile(t *testing.T) {
	cp, _ := Builtin("cpython")
	text, err := cp.YAML()
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(text), "\n") {
		if !strings.Contains(line, "pickle_") {
			kept = append(kept, line)
		}
	}
	path := filepath.Join(t.TempDir(), "old.yaml")
	if err := os.WriteFile(path, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.PickleSend != cp.PickleSend || p.PickleRecv != cp.PickleRecv ||
		!strings.HasPrefix(p.Sources["PickleSend"], "not in this profile file: the built-in cpython figure, measured here") {
		t.Errorf("pickling %d/%d with source %q; want the built-in %d/%d", p.PickleSend, p.PickleRecv, p.Sources["PickleSend"], cp.PickleSend, cp.PickleRecv)
	}
}

// TestSlowdownNote: explain's word on a runtime without the GIL: the
// measured slowdown and its range for 3.13t, the published figure for
// 3.14t, what sharing costs, 3.13t's lock spin, and nothing for a runtime
// with the GIL.
func TestSlowdownNote(t *testing.T) {
	for _, tt := range []struct {
		runtime string
		want    []string
	}{
		{"cpython-3.13t", []string{"cpython-3.13t has no GIL", "2.37× as long", "by shape of code", "all write one object", "yields its core 40 times first, 55.7 ms"}},
		{"cpython-3.14t", []string{"cpython-3.14t has no GIL", "1.10× as long", "a published figure", "all write one object"}},
		{"cpython-3.13", nil},
		{"java", nil},
	} {
		p, err := Builtin(tt.runtime)
		if err != nil {
			t.Fatal(err)
		}
		note := p.SlowdownNote()
		if tt.want == nil && note != "" {
			t.Errorf("%s: %q, want none", tt.runtime, note)
		}
		for _, w := range tt.want {
			if !strings.Contains(note, w) {
				t.Errorf("%s: %q lacks %q", tt.runtime, note, w)
			}
		}
	}
}

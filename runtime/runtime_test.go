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
		{"cpython-ft", false, true, true, 1.05, 1.10},
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
	// cpython-ft shares cpython's costs and memory: only the rules differ.
	cp, _ := Builtin("cpython")
	ft, _ := Builtin("cpython-ft")
	cp.Name, cp.GIL, cp.Slowdown, cp.Sources = ft.Name, ft.GIL, ft.Slowdown, ft.Sources
	if !reflect.DeepEqual(cp, ft) {
		t.Errorf("cpython-ft constants differ from cpython's")
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
	want := `unknown runtime "pypy" (want cpython, cpython-ft, java or go)`
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
	// The pickling costs were measured later, with measure.py --only.
	data, err = os.ReadFile("testdata/cpython-pickle-measured.json")
	if err != nil {
		t.Fatal(err)
	}
	var pick struct {
		Python  string
		Results map[string]struct{ Median float64 }
	}
	if err := json.Unmarshal(data, &pick); err != nil {
		t.Fatal(err)
	}
	for k, v := range pick.Results {
		m.Results[k] = v
	}
	// So were the collector's, with measure.py --only TaskFirstTouch,GCScan,
	// and a gather's objects, with measure.py --only GCObjectsPerChild.
	for _, name := range []string{"cpython-gc-measured.json", "cpython-gather-measured.json"} {
		data, err = os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		var more struct {
			Python  string
			Results map[string]struct{ Median float64 }
		}
		if err := json.Unmarshal(data, &more); err != nil {
			t.Fatal(err)
		}
		if more.Python != m.Python {
			t.Errorf("%s measured on CPython %s, the rest on %s", name, more.Python, m.Python)
		}
		for k, v := range more.Results {
			m.Results[k] = v
		}
	}
	if m.Python != "3.11.7" || pick.Python != m.Python {
		t.Errorf("measured on CPython %s; the sources say 3.11.7", m.Python)
	}
	p, _ := Builtin("cpython")
	for _, c := range constants {
		r, ok := m.Results[c.field]
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
		{"bad duration", replace("thread_start: 114.649us", "thread_start: 78 parsecs"), `P:7:15: thread_start: bad duration "78 parsecs" (want a duration like 45us or 4.5ms)`},
		{"duration without unit", replace("thread_start: 114.649us", "thread_start: 78"), `P:7:15: thread_start: a duration needs a unit, like 45us or 4.5ms`},
		{"negative duration", replace("thread_start: 114.649us", "thread_start: -1us"), `P:7:15: thread_start: negative duration "-1us"`},
		{"size with unit", replace("thread_rss: 16507", "thread_rss: 16KiB"), `P:31:13: thread_rss: want a size in bytes, like 16384`},
		{"negative size", replace("thread_rss: 16507", "thread_rss: -5"), `P:31:13: thread_rss: want a size in bytes from 0 up, like 16384`},
		{"bad bool", replace("gil: true", "gil: maybe"), `P:3:6: gil: want true or false`},
		{"bad slowdown", replace("slowdown: 1 ", "slowdown: 0 "), `P:6:11: slowdown: want a factor above 0, like 1.1`},
		{"missing key", replace("task_rss: 980", ""), `P:2:1: missing key task_rss`},
		{"duplicate key", replace("gil: true", "gil: true\ngil: false"), `P:4:1: mapping key "gil" already defined at [3:1]`},
		{"unknown source", replace("sources:", "sources:\n  fibers: \"x\""), `P:37:3: sources: unknown key "fibers" (want slowdown or thread_start, `},
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

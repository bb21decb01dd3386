package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
)

// recorded reads a measure.py output kept in testdata and the profile it
// makes.
func recorded(t *testing.T, name string) (*Measurement, Profile) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMeasurement(data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Profile()
	if err != nil {
		t.Fatal(err)
	}
	return m, p
}

func TestMeasurementProfileRecorded(t *testing.T) {
	m, p := recorded(t, "cpython-measured.json")
	if p.Name != "cpython-3.11" || p.Python != "3.11" || !p.GIL || !p.Asyncio || !p.Processes || p.Slowdown != 1 {
		t.Errorf("rules = %+v, want cpython's", p)
	}
	// The built-in profile holds the medians of this very file.
	builtin := cpython()
	for _, c := range constants {
		got, want := *c.ptr(&p), *c.ptr(&builtin)
		if goOnly(c.field) {
			if got != 0 {
				t.Errorf("%s = %d, want 0: the Go runtime's alone", c.field, got)
			}
			continue
		}
		if _, ok := m.Results[c.field]; !ok && c.later {
			// Measured only by a later measure.py: the built-in figure.
			if got != want || !strings.HasPrefix(p.Sources[c.field], "not measured by this run") {
				t.Errorf("%s = %d (%q), want the built-in %d, said so", c.field, got, p.Sources[c.field], want)
			}
			continue
		}
		if d := got - want; d < -1 || d > 1 {
			t.Errorf("%s = %d, want the recorded median %d", c.field, got, want)
		}
		src := p.Sources[c.field]
		runs := fmt.Sprintf("median of %d (spread ", m.Results[c.field].N)
		for _, part := range []string{"measured by conclab calibrate on ", "CPython 3.11.7", "2 cores", runs} {
			if !strings.Contains(src, part) {
				t.Errorf("source of %s = %q, want it to hold %q", c.field, src, part)
			}
		}
	}
	for field, want := range map[string]string{
		"ThreadStart":    "(spread 79.3–198 µs)",
		"ProcessSpawn":   "(spread 52.9–67.9 ms)",
		"ThreadRSS":      "(spread 16.2–16.2 KiB)",
		"SleepOvershoot": "2 ms sleeps overshoot 110 µs and 10 ms sleeps overshoot 171 µs",
		"GCCount2":       "(spread 3.00–3.00)",
	} {
		if !strings.Contains(p.Sources[field], want) {
			t.Errorf("source of %s = %q, want it to hold %q", field, p.Sources[field], want)
		}
	}
	if p.Sources["Slowdown"] != builtin.Sources["Slowdown"] {
		t.Errorf("slowdown source = %q, want cpython's", p.Sources["Slowdown"])
	}
}

// An older measure.py's output (2026-11-25, before the constants marked
// later) still makes a profile: what it did not measure is the built-in
// figure, and its source says so.
func TestMeasurementProfileOlder(t *testing.T) {
	m, p := recorded(t, "cpython-measured-2026-11-25.json")
	builtin := cpython()
	later := 0
	for _, c := range constants {
		if goOnly(c.field) {
			continue // 0: TestMeasurementProfileRecorded
		}
		if _, ok := m.Results[c.field]; ok {
			if got, want := *c.ptr(&p), int64(m.Results[c.field].Median+0.5); got-want < -1 || got-want > 1 {
				t.Errorf("%s = %d, want the recorded median %d", c.field, got, want)
			}
			continue
		}
		if !c.later {
			t.Errorf("%s: not in the older output, and not marked later", c.field)
			continue
		}
		later++
		src := p.Sources[c.field]
		if *c.ptr(&p) != *c.ptr(&builtin) ||
			!strings.HasPrefix(src, "not measured by this run (an older measure.py): the built-in cpython-3.11 figure, measured here") {
			t.Errorf("%s = %d (source %q), want the built-in figure %d", c.field, *c.ptr(&p), src, *c.ptr(&builtin))
		}
	}
	if later == 0 {
		t.Error("the older output measured every constant")
	}
}

func TestMeasurementProfileMachine(t *testing.T) {
	m := fullMeasurement()
	m.Hostname, m.CPU, m.Cores, m.Python, m.Implementation, m.Date = "box", "Xeon E5", 4, "3.12.1", "CPython", "2026-01-02"
	m.Results["LoopTimerOvershoot"] = Stat{Median: -3, Min: -5, Max: 2, N: 3}
	p, err := m.Profile()
	if err != nil {
		t.Fatal(err)
	}
	want := "measured by conclab calibrate on box, Xeon E5, 4 cores, CPython 3.12.1, 2026-01-02, median of 3 (spread "
	if !strings.HasPrefix(p.Sources["PoolTask"], want) {
		t.Errorf("source = %q, want it to start %q", p.Sources["PoolTask"], want)
	}
	if p.LoopTimerOvershoot != 0 {
		t.Errorf("a negative overshoot gave %d, want 0", p.LoopTimerOvershoot)
	}
	if p.ThreadStart != 1234 || p.ProcessVirtual != 1234 {
		t.Errorf("ThreadStart %d, ProcessVirtual %d; want the rounded median 1234", p.ThreadStart, p.ProcessVirtual)
	}
}

// Onto sets the constants a partial measurement holds (calibrate --only)
// and leaves the rest, and the profile it was given, as they were.
func TestMeasurementOnto(t *testing.T) {
	base := cpython()
	m := &Measurement{Results: map[string]Stat{
		"ProcessFork": {Median: 37_700_000.4, Min: 32e6, Max: 47e6, N: 3},
		"PickleFresh": {Median: 0, N: 3},
	}}
	got := m.Onto(base)
	if got.ProcessFork != 37_700_000 || got.PickleFresh != 0 {
		t.Errorf("ProcessFork %d, PickleFresh %d; want 37700000 and 0", got.ProcessFork, got.PickleFresh)
	}
	if got.ProcessSpawn != base.ProcessSpawn || got.ThreadStart != base.ThreadStart || got.GIL != base.GIL {
		t.Errorf("constants not measured changed: spawn %d (was %d), thread start %d (was %d)",
			got.ProcessSpawn, base.ProcessSpawn, got.ThreadStart, base.ThreadStart)
	}
	if !strings.Contains(got.Sources["ProcessFork"], "this machine") || got.Sources["ProcessSpawn"] != base.Sources["ProcessSpawn"] {
		t.Errorf("sources: fork %q, spawn %q", got.Sources["ProcessFork"], got.Sources["ProcessSpawn"])
	}
	if base.ProcessFork != cpython().ProcessFork || base.Sources["ProcessFork"] != cpython().Sources["ProcessFork"] {
		t.Error("Onto changed the profile it was given")
	}
}

// TestMeasuredProfileLoads writes a measured profile and reads it back
// with Load, as `conclab run --profile` does.
func TestMeasuredProfileLoads(t *testing.T) {
	_, p := recorded(t, "cpython-measured.json")
	text, err := p.YAML()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "here.yaml")
	if err := os.WriteFile(path, text, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range constants {
		if *c.ptr(&back) != *c.ptr(&p) || back.Sources[c.field] != p.Sources[c.field] {
			t.Errorf("%s: loaded %d %q, wrote %d %q", c.field, *c.ptr(&back), back.Sources[c.field],
				*c.ptr(&p), p.Sources[c.field])
		}
	}
}

// fullMeasurement has every constant at 1234 (median of 3).
func fullMeasurement() *Measurement {
	m := &Measurement{Python: "3.11.7", Runs: 3, Results: map[string]Stat{}}
	for _, c := range constants {
		m.Results[c.field] = Stat{Median: 1234.4, Min: 1000, Max: 1500, N: 3}
	}
	return m
}

func TestParseMeasurementErrors(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"not json", `{"results": `, "measure.py output"},
		{"no results", `{"python": "3.11.7"}`, "no ThreadStart"},
		{"one missing", `{"results": {"ThreadStart": {"median": 1, "min": 1, "max": 1, "n": 1}}}`, "no PoolSubmit"},
		{"median outside", `{"results": {"ThreadStart": {"median": 5, "min": 1, "max": 2, "n": 3}}}`, "ThreadStart: inconsistent"},
		{"no runs", `{"results": {"ThreadStart": {"median": 1, "min": 1, "max": 1, "n": 0}}}`, "ThreadStart: inconsistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMeasurement([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one holding %q", err, tt.want)
			}
		})
	}
}

func TestParseProgress(t *testing.T) {
	tests := []struct {
		line string
		want Progress
		ok   bool
	}{
		{"measure: 12/80 ThreadStart run 1/5 = 78390.5 ns",
			Progress{Done: 12, Total: 80, Name: "ThreadStart", Run: 1, Runs: 5, Value: 78390.5}, true},
		{"measure: 1/48 ProcessRSS run 1/3 = 13869056.0 B",
			Progress{Done: 1, Total: 48, Name: "ProcessRSS", Run: 1, Runs: 3, Value: 13869056, Size: true}, true},
		{"measure: 1/48 ProcessRSS run 1/3 = 13869056.0 KB", Progress{}, false},
		{"Traceback (most recent call last):", Progress{}, false},
		{"measure: x/48 ProcessRSS run 1/3 = 1 B", Progress{}, false},
	}
	for _, tt := range tests {
		got, ok := parseProgress(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseProgress(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSpread(t *testing.T) {
	tests := []struct {
		s    Stat
		size bool
		want string
	}{
		{Stat{Min: 74930.4, Max: 80395.1}, false, "74.9–80.4 µs"},
		{Stat{Min: 900, Max: 1500}, false, "0.90–1.50 µs"},
		{Stat{Min: 59970674, Max: 63711405}, false, "60.0–63.7 ms"},
		{Stat{Min: 177548.8, Max: 219057.1}, false, "178–219 µs"},
		{Stat{Min: 983.9, Max: 983.9}, true, "984–984 B"},
		{Stat{Min: 9419173.9, Max: 9419173.9}, true, "8.98–8.98 MiB"},
	}
	for _, tt := range tests {
		if got := Spread(tt.s, tt.size); got != tt.want {
			t.Errorf("Spread(%+v, %v) = %q, want %q", tt.s, tt.size, got, tt.want)
		}
	}
}

func TestCanCalibrate(t *testing.T) {
	err := CanCalibrate()
	if linux := goruntime.GOOS == "linux"; (err == nil) != linux || !linux && !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("CanCalibrate on %s: %v", goruntime.GOOS, err)
	}
}

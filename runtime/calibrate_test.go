package runtime

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestMeasurementProfileRecorded(t *testing.T) {
	data, err := os.ReadFile("testdata/cpython-measured.json")
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
	if p.Name != "cpython" || !p.GIL || !p.Asyncio || !p.Processes || p.Slowdown != 1 {
		t.Errorf("rules = %+v, want cpython's", p)
	}
	// The built-in profile holds the medians of this very file.
	builtin := cpython()
	for _, c := range constants {
		got, want := *c.ptr(&p), *c.ptr(&builtin)
		if d := got - want; d < -1 || d > 1 {
			t.Errorf("%s = %d, want the recorded median %d", c.field, got, want)
		}
		src := p.Sources[c.field]
		for _, part := range []string{"measured by conclab calibrate on ", "CPython 3.11.7", "2 cores", "median of 5 (spread "} {
			if !strings.Contains(src, part) {
				t.Errorf("source of %s = %q, want it to hold %q", c.field, src, part)
			}
		}
	}
	for field, want := range map[string]string{
		"ThreadStart":    "(spread 96.8–288 µs)",
		"ProcessSpawn":   "(spread 72.0–80.1 ms)",
		"ThreadRSS":      "(spread 16.1–16.2 KiB)",
		"SleepOvershoot": "2 ms sleeps overshoot 99.3 µs and 10 ms sleeps overshoot 106 µs",
	} {
		if !strings.Contains(p.Sources[field], want) {
			t.Errorf("source of %s = %q, want it to hold %q", field, p.Sources[field], want)
		}
	}
	if p.Sources["Slowdown"] != builtin.Sources["Slowdown"] {
		t.Errorf("slowdown source = %q, want cpython's", p.Sources["Slowdown"])
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

// TestMeasuredProfileLoads writes a measured profile and reads it back
// with Load, as `conclab run --profile` does.
func TestMeasuredProfileLoads(t *testing.T) {
	data, err := os.ReadFile("testdata/cpython-measured.json")
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

// fakePython writes an executable shell script standing in for python.
func fakePython(t *testing.T, body string) string {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	path := filepath.Join(t.TempDir(), "python")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckPython(t *testing.T) {
	tests := []struct {
		name, script string
		want         error
		msg          string
	}{
		{"good", `echo "CPython 3.11.7"`, nil, ""},
		{"3.8 is enough", `echo "CPython 3.8.0"`, nil, ""},
		{"too old", `echo "CPython 3.7.9"`, ErrOldPython, "is Python 3.7.9; conclab needs 3.8 or newer"},
		{"python 2", `echo "CPython 2.7.18"`, ErrOldPython, "needs 3.8 or newer"},
		{"pypy", `echo "PyPy 3.10.14"`, ErrOldPython, "is PyPy 3.10.14"},
		{"crashes", `echo "boom" >&2; exit 3`, ErrNoPython, "does not run: exit status 3: boom"},
		{"not python", `echo hello`, ErrNoPython, "is not a Python interpreter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckPython(context.Background(), fakePython(t, tt.script))
			if !errors.Is(err, tt.want) || tt.want != nil && !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %v, want %v holding %q", err, tt.want, tt.msg)
			}
		})
	}
	_, err := CheckPython(context.Background(), filepath.Join(t.TempDir(), "no-such-python"))
	if !errors.Is(err, ErrNoPython) || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing interpreter: err = %v, want ErrNoPython saying not found", err)
	}
}

func TestCalibrateFake(t *testing.T) {
	// A stand-in interpreter that prints progress, a warning and a
	// document, as measure.py does.
	doc := `{"python": "3.11.7", "runs": 1, "results": {`
	for i, c := range constants {
		if i > 0 {
			doc += ","
		}
		doc += `"` + c.field + `": {"median": 7, "min": 7, "max": 7, "n": 1}`
	}
	doc += "}}"
	py := fakePython(t, `
echo "measure: 1/2 ThreadStart run 1/1 = 7.0 ns" >&2
echo "a warning" >&2
echo "measure: 2/2 ThreadRSS run 1/1 = 7.0 B" >&2
cat <<'EOF'
`+doc+`
EOF`)
	var seen []Progress
	var log strings.Builder
	m, err := Calibrate(context.Background(), CalibrateOptions{
		Python: py, Runs: 1, Quick: true,
		Progress: func(p Progress) { seen = append(seen, p) },
		Log:      &log,
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Results["ProcessVirtual"].Median != 7 {
		t.Errorf("results = %+v", m.Results)
	}
	if len(seen) != 2 || seen[0].Name != "ThreadStart" || !seen[1].Size {
		t.Errorf("progress = %+v, want ThreadStart then ThreadRSS", seen)
	}
	if log.String() != "a warning\n" {
		t.Errorf("log = %q, want the warning alone", log.String())
	}

	py = fakePython(t, `echo "measure: 1/2 ThreadStart run 1/1 = 7.0 ns" >&2; echo "Traceback" >&2; echo "OSError: nope" >&2; exit 1`)
	_, err = Calibrate(context.Background(), CalibrateOptions{Python: py})
	if err == nil || !strings.Contains(err.Error(), "measure.py failed (exit status 1): OSError: nope") {
		t.Errorf("err = %v, want measure.py's last line", err)
	}
}

// TestCalibrateCancelKillsGroup cancels a run whose interpreter has
// children, and checks none of them survives.
func TestCalibrateCancelKillsGroup(t *testing.T) {
	py := fakePython(t, `
sleep 60 &
sleep 60 &
echo "measure: 1/2 ThreadStart run 1/1 = 7.0 ns" >&2
wait`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pgid := 0
	_, err := calibrate(ctx, CalibrateOptions{
		Python:   py,
		Progress: func(Progress) { cancel() },
	}, func(pid int) { pgid = pid })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if pgid == 0 {
		t.Fatal("the interpreter never started")
	}
	// Killed processes vanish (or turn zombie) at once; allow the kernel a
	// moment to deliver the signal to every member.
	deadline := time.Now().Add(5 * time.Second)
	for {
		alive := liveInGroup(t, pgid)
		if len(alive) == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, pid := range alive {
				syscall.Kill(pid, syscall.SIGKILL) // ours: clean up before failing
			}
			t.Fatalf("processes %v of group %d outlived the cancel", alive, pgid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCalibrateTimeout(t *testing.T) {
	py := fakePython(t, `sleep 60`)
	_, err := Calibrate(context.Background(), CalibrateOptions{Python: py, Timeout: 100 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "took longer than 100ms") {
		t.Errorf("err = %v, want a timeout", err)
	}
}

// liveInGroup lists the processes of group pgid that are not zombies.
func liveInGroup(t *testing.T, pgid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+2:])
		f := strings.Fields(rest)
		if len(f) < 3 || f[0] == "Z" {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g == pgid {
			out = append(out, pid)
		}
	}
	return out
}

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/runtime"
)

// TestCalibrateReal runs the real measurement on this machine's python3
// and checks the profile it writes loads and holds sane numbers.
func TestCalibrateReal(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	if _, err := exec.LookPath("python3"); err != nil {
		testtool.Missing(t, "no python3 on PATH: calibrate needs CPython 3.8 or newer")
	}
	path := filepath.Join(t.TempDir(), "here.yaml")
	r := conclab(t, nil, "calibrate", "--quick", "-o", path)
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	p, err := runtime.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	us, ms := int64(time.Microsecond), int64(time.Millisecond)
	const kib, mib = 1 << 10, 1 << 20
	ranges := map[string][2]int64{
		"ThreadStart":        {us, 5 * ms},
		"PoolTask":           {us / 2, 5 * ms},
		"LoopResume":         {50, ms},
		"LoopTurn":           {50, ms},
		"LoopTimer":          {0, ms},
		"LoopTimerFire":      {0, ms},
		"GatherChild":        {0, ms},
		"PoolSubmit":         {100, ms},
		"WakeLatency":        {100, 10 * ms},
		"GILHandover":        {us, 10 * ms},
		"TimerSlack":         {0, 10 * ms},
		"SelectResolution":   {1, 10 * ms},
		"TaskCreate":         {50, ms},
		"TaskFirstTouch":     {0, ms},
		"GCObjectsPerTask":   {3, 100},
		"GCObjectsPerChild":  {0, 20},
		"GCObjectsPerGather": {1, 50},
		"GCObjectsAtCreate":  {1, 100}, // of GCObjectsPerTask: 6 or 7 in 3.8–3.13t
		"GCObjectsTransient": {0, 20},  // of those, freed by the first run: 2 in 3.8–3.13t
		"GCBaseObjects":      {1000, 1_000_000},
		"GCYoung":            {1, 10 * us},
		"GCScan":             {1, 10 * us},
		"ProcessFork":        {50 * us, 2000 * ms},
		"ProcessSpawn":       {ms, 10000 * ms},
		"ForkserverBoot":     {0, 10000 * ms}, // a difference of two elapsed times, clamped at 0
		"ProcessForkserver":  {ms, 10000 * ms},
		// The parent's Process.start() with fork: pipes and a fork of a
		// small interpreter, 0.5–1.4 ms here.
		"ForkParent": {10 * us, 100 * ms},
		// Of ProcessFork, the child's CPU before its first task: 1.1–1.9
		// ms where a page fault is cheap, 12–18 ms where one costs 5–26 µs.
		"ForkChild": {10 * us, 1000 * ms},
		// A fresh interpreter importing the resource tracker's module.
		"ResourceTracker": {ms, 5000 * ms},
		"ProcessTask":     {us, 100 * ms},
		"PickleSend":      {10 * us, 1000 * ms},
		"PickleRecv":      {10 * us, 1000 * ms},
		// A first payload's extra cost can be nothing: the pages a pool
		// gets may be ones the VM's host backs already (quick runs in CI,
		// 2026-12-03: 723 µs, 0 and 8.77 µs per MB); first_payload
		// clamps at 0.
		"PickleFresh": {0, 1000 * ms},
		// 0 with the GIL (python3 here is 3.11): only a free-threaded
		// build's locks spin.
		"LockSpin": {0, 0},
		// A thread back from a sleep beside 2 to 6 threads running
		// Python code waits for the GIL: a share of an interval at the
		// least; quick runs make 4 sleeps each (7.6–45 ms here).
		"GILArrived2":        {100 * us, 1000 * ms},
		"GILArrived3":        {100 * us, 1000 * ms},
		"GILArrived4":        {100 * us, 1000 * ms},
		"GILArrived5":        {100 * us, 1000 * ms},
		"GILArrived6":        {100 * us, 1000 * ms},
		"SleepOvershoot":     {1, 50 * ms},
		"LoopTimerOvershoot": {1, 50 * ms},
		"ThreadRSS":          {kib, mib},
		"ThreadVirtual":      {64 * kib, 1 << 30},
		"TaskRSS":            {100, 100 * kib},
		"ProcessRSS":         {mib, 1 << 30},
		"ProcessVirtual":     {mib, 64 << 30},
		"GCThreshold":        {100, 100_000},
		// The collector's counts when the first coroutine runs
		// (gc.get_count()): net allocations since the last young
		// collection, a few hundred, negative at times in a free-threaded
		// build (3.13t: −114); then a handful of younger collections
		// (0–12 in runtime/profiles, 3.8–3.13t).
		"GCCount0": {-100_000, 100_000},
		"GCCount1": {0, 100},
		"GCCount2": {0, 100},
	}
	values := profileValues(p)
	if len(values) != len(runtime.Constants()) {
		t.Fatalf("profileValues has %d constants, the profile %d", len(values), len(runtime.Constants()))
	}
	for _, c := range runtime.Constants() {
		if c.GoOnly {
			if values[c.Field] != 0 {
				t.Errorf("%s = %d for CPython", c.Field, values[c.Field])
			}
			continue
		}
		v, rng := values[c.Field], ranges[c.Field]
		if v < rng[0] || v > rng[1] {
			t.Errorf("%s = %d, want it within [%d, %d]", c.Field, v, rng[0], rng[1])
		}
		if !strings.HasPrefix(p.Sources[c.Field], "measured by conclab calibrate on ") {
			t.Errorf("source of %s = %q", c.Field, p.Sources[c.Field])
		}
	}
	for _, want := range []string{"thread_start", "spread (min–max)", "process_virtual", "Wrote " + path} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "156/156") {
		t.Errorf("stderr shows no progress up to 156/156 (3 quick runs of 52 figures):\n%s", r.stderr)
	}

	run := conclab(t, nil, "run", "seed-cpu", "--profile", path, "--format", "json")
	if run.code != 0 {
		t.Errorf("run --profile the calibrated file: exit %d: %s", run.code, run.stderr)
	}
}

// fakePython stands in for python3: it answers the version probe with
// version and, run on measure.py, prints progress and a document.
func fakePython(t *testing.T, version string) string {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		testtool.Missing(t, "no sh on PATH: the fake interpreters are shell scripts")
	}
	doc := `{"hostname": "box", "cpu": "Xeon", "cores": 2, "python": "3.11.7", "implementation": "CPython",
"date": "2026-01-02", "runs": 1, "seconds": 0.1, "results": {`
	for i, c := range runtime.Constants() {
		if i > 0 {
			doc += ","
		}
		doc += `"` + c.Field + `": {"median": 2000, "min": 1000, "max": 3000, "n": 1}`
	}
	doc += "}}"
	script := `#!/bin/sh
if [ "$1" = "-c" ]; then echo "` + version + `"; exit 0; fi
echo "measure: 1/1 ThreadStart run 1/1 = 2000.0 ns" >&2
cat <<'EOF'
` + doc + `
EOF
`
	path := filepath.Join(t.TempDir(), "python")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCalibrateOutputs(t *testing.T) {
	py := fakePython(t, "CPython 3.11.7 gil")

	// No -o: the profile on stdout, the table and progress on stderr.
	r := conclab(t, nil, "calibrate", "--python", py)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "# conclab runtime profile") || strings.Contains(r.stdout, "spread (min–max)") {
		t.Errorf("stdout should be the profile alone:\n%s", r.stdout)
	}
	for _, want := range []string{"calibrate: 1/1  run 1/1  thread_start = 2.00 µs", "Measured on box (Xeon, 2 cores), CPython 3.11.7",
		"thread_start           2.00 µs      1.00–3.00 µs", "cpython-3.11 is conclab's built-in profile of CPython 3.11"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	checkLines(t, r.stderr, 120)

	// With -o: the file, and the table on stdout.
	path := filepath.Join(t.TempDir(), "p.yaml")
	r = conclab(t, nil, "calibrate", "--python", py, "-o", path)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if p, err := runtime.Load(path); err != nil || p.ThreadStart != 2000 {
		t.Errorf("Load = %+v, %v; want thread_start 2us", p, err)
	}
	if !strings.Contains(r.stdout, "Measured on box") {
		t.Errorf("stdout lacks the table:\n%s", r.stdout)
	}
}

func TestCalibrateBadInput(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"old python", []string{"--python", fakePython(t, "CPython 3.7.3 gil")}, 2, "is Python 3.7.3; conclab needs 3.8 or newer"},
		{"pypy", []string{"--python", fakePython(t, "PyPy 3.10.14 gil")}, 2, "is PyPy 3.10.14; the cpython profile needs CPython"},
		{"missing python", []string{"--python", filepath.Join(dir, "nope")}, 2, "not found"},
		{"runs zero", []string{"--runs", "0"}, 2, "--runs 0"},
		{"output a directory", []string{"-o", dir}, 2, "is a directory"},
		{"argument", []string{"extra"}, 2, "unknown command"},
		{"empty python", []string{"--python", " "}, 2, "--python: empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := conclab(t, nil, append([]string{"calibrate"}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit %d and %q", r.code, r.stderr, r.stdout, tt.code, tt.want)
			}
		})
	}
}

// TestCalibrateNative runs calibrate --runtime java and --runtime go on
// this machine and checks that each profile loads, keeps its runtime's
// rules, holds sane measured numbers with their sources, and leaves the
// constants that mean nothing there (the event loop's) at zero.
func TestCalibrateNative(t *testing.T) {
	testtool.WallClock(t) // measures real programs: one such test at a time
	us, ms := int64(time.Microsecond), int64(time.Millisecond)
	const kib, mib = 1 << 10, 1 << 20
	for _, tt := range []struct {
		runtime, tool string
		ranges        map[string][2]int64
	}{
		{"java", "javac", map[string][2]int64{
			"ThreadStart": {us, 10 * ms}, "PoolSubmit": {10, 100 * us}, "PoolTask": {10, 100 * us},
			"WakeLatency": {100, 10 * ms}, "ProcessSpawn": {10 * ms, 5000 * ms}, "ProcessTask": {us, 100 * ms},
			"SleepOvershoot": {1, 50 * ms}, "ThreadRSS": {kib, 10 * mib}, "ProcessRSS": {mib, 1 << 30},
		}},
		{"go", "go", map[string][2]int64{
			"ThreadStart": {10, 100 * us}, "PoolSubmit": {1, 10 * us}, "PoolTask": {1, 10 * us},
			"WakeLatency": {10, 10 * ms}, "ProcessSpawn": {10 * us, 500 * ms}, "ProcessTask": {us, 100 * ms},
			"SleepOvershoot": {1, 50 * ms}, "ThreadRSS": {kib, 64 * kib}, "ProcessRSS": {100 * kib, 1 << 30},
		}},
	} {
		t.Run(tt.runtime, func(t *testing.T) {
			if _, err := exec.LookPath(tt.tool); err != nil {
				testtool.Missing(t, "no %s on PATH: calibrate --runtime %s needs it", tt.tool, tt.runtime)
			}
			path := filepath.Join(t.TempDir(), tt.runtime+".yaml")
			r := conclab(t, nil, "calibrate", "--runtime", tt.runtime, "--quick", "-o", path)
			if r.code != 0 {
				t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
			}
			p, err := runtime.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != tt.runtime || p.GIL || p.Asyncio || !p.Processes || !p.ExecWorkers {
				t.Errorf("rules: %+v", p)
			}
			values := profileValues(p)
			for field, rng := range tt.ranges {
				if v := values[field]; v < rng[0] || v > rng[1] {
					t.Errorf("%s = %d, want it within [%d, %d]", field, v, rng[0], rng[1])
				}
				if !strings.HasPrefix(p.Sources[field], "measured by conclab calibrate on ") {
					t.Errorf("source of %s = %q", field, p.Sources[field])
				}
			}
			if want := "conclab verify --suite --runtime " + tt.runtime + " --profile " + path; p.Verify != want {
				t.Errorf("verify = %q, want %q", p.Verify, want)
			}
			if p.ProcessFork != p.ProcessSpawn {
				t.Errorf("fork %d and spawn %d differ: neither runtime forks", p.ProcessFork, p.ProcessSpawn)
			}
			if p.LoopResume != 0 || p.TaskRSS != 0 || p.PickleSend != 0 {
				t.Errorf("asyncio's and pickling's constants: %d %d %d, want 0", p.LoopResume, p.TaskRSS, p.PickleSend)
			}
			if strings.Contains(r.stdout, "loop_resume") || !strings.Contains(r.stdout, "process_spawn") {
				t.Errorf("the table:\n%s", r.stdout)
			}
			// The figures beside the measured ones are the runtime's own
			// built-in profile's, not a CPython's.
			if strings.Contains(r.stdout, "cpython") || !strings.Contains(r.stdout, tt.runtime+" is conclab's built-in profile of ") {
				t.Errorf("the table compares with another runtime:\n%s", r.stdout)
			}
		})
	}
	r := conclab(t, nil, "calibrate", "--runtime", "pypy")
	if r.code != exitUsage || !strings.Contains(r.stderr, `--runtime "pypy": calibrate measures cpython, java or go`) {
		t.Errorf("--runtime pypy: exit %d, %s", r.code, r.stderr)
	}
}

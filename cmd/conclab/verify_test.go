package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/golden"
	"github.com/conclab/conclab/internal/testtool"
)

// needPython skips a test that runs the real CPython when there is none.
func needPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		testtool.Missing(t, "no python3 on PATH: skipping what runs the real CPython (.ci/run installs one)")
	}
}

func TestExportCommand(t *testing.T) {
	// The program truth's golden test holds: the command adds nothing.
	want, err := os.ReadFile(filepath.Join("..", "..", "truth", "testdata", "seed-io-threads3.py"))
	if err != nil {
		t.Fatal(err)
	}
	r := conclab(t, nil, "export", "seed-io", "-m", "threads(3)")
	if r.code != 0 || r.stdout != string(want) {
		t.Errorf("export seed-io -m threads(3): exit %d, stderr %q; stdout differs from truth/testdata/seed-io-threads3.py:\n%s",
			r.code, r.stderr, golden.Diff(want, []byte(r.stdout)))
	}
	out := filepath.Join(t.TempDir(), "prog.py")
	if r := conclab(t, nil, "export", "-e", "A: [work 1ms]", "-m", "sync", "-o", out); r.code != 0 || r.stdout != "" {
		t.Errorf("export -o: exit %d: %s", r.code, r.stderr)
	}
	if prog, err := os.ReadFile(out); err != nil || !bytes.Contains(prog, []byte(`"name":"A"`)) {
		t.Errorf("export -o wrote %q, %v", prog, err)
	}

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"export", "seed-io"}, "give the model to export with -m (the workload lists 3)"},
		{[]string{"export", "seed-io", "-m", "sync", "-m", "asyncio"}, "export writes one model"},
		{[]string{"export", "-e", "[wait 1ms]", "-m", "asyncio", "--runtime", "java"}, `model "asyncio" is not available on runtime java`},
		{[]string{"export", "-e", "[wait 1ms]", "-m", "processes(2)*threads(2)", "--runtime", "go"}, "the go program runs sync, threads, threads(N) and processes(N), not worker processes with threads of their own yet"},
		{[]string{"export"}, "missing workload"},
		{[]string{"export", "-e", "[wait 1ms]", "-m", "thread(2)"}, `-m "thread(2)"`},
	}
	for _, tt := range tests {
		r := conclab(t, nil, tt.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}

// TestExportDefaultModel: an inline workload lists no models, so -m is
// needed; the test above shows the message. Here a file with one model
// needs none.
func TestExportOneModelFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "one.yaml")
	if err := os.WriteFile(file, []byte("tasks:\n  - name: A\n    steps: [{wait: 1ms}]\nmodels: [asyncio]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := conclab(t, nil, "export", file)
	if r.code != 0 || !strings.Contains(r.stdout, "asyncio.run(run_all())") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestVerifyUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"verify", "--suite", "-e", "[wait 1ms]"}, "--suite runs the scenarios"},
		{[]string{"verify", "-e", "[wait 1ms]", "--tolerance", "lots"}, `--tolerance "lots": want a percentage`},
		{[]string{"verify", "-e", "[wait 1ms]", "--repeat", "0"}, "--repeat 0"},
		{[]string{"verify", "-e", "[wait 1ms]", "--format", "xml"}, `invalid --format "xml"`},
		{[]string{"verify", "-e", "[wait 1ms]", "--runtime", "go", "-m", "processes(2)*threads(2)"}, "not worker processes with threads of their own yet"},
		{[]string{"verify", "-e", "[wait 1ms]", "--runtime", "java", "-m", "asyncio"}, `model "asyncio" is not available on runtime java`},
		{[]string{"verify", "-e", "[wait 1ms]", "--timeout", "-1s"}, "--timeout -1s"},
		{[]string{"verify", "-e", "[wait 1ms]", "--python", "/nonexistent/python3"}, "/nonexistent/python3 not found (install Python 3.8 or newer"},
		{[]string{"verify", "--gil-handover", "1"}, "--gil-handover 1: want thread counts from 2 to 64"},
		{[]string{"verify", "--gil-handover", "3", "seed-cpu"}, "--gil-handover runs threads of its own"},
		{[]string{"verify", "--gil-handover", "3", "--runtime", "java"}, "runtime java has no GIL"},
		{[]string{"verify", "--gil-handover", "3", "--python", "/nonexistent/python3"}, "/nonexistent/python3 not found"},
	}
	for _, tt := range tests {
		r := conclab(t, nil, tt.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}

func TestVerifyOldPython(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "python3")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'CPython 3.6.15 gil'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := conclab(t, nil, "verify", "-e", "[wait 1ms]", "--python", fake)
	if r.code != exitUsage || !strings.Contains(r.stderr, "is Python 3.6.15; conclab needs 3.8 or newer") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestVerifyRuntimeMismatch: a prediction without the GIL is not checked
// on an interpreter with it, nor one with the GIL on a free-threaded one.
func TestVerifyRuntimeMismatch(t *testing.T) {
	for _, tt := range []struct{ probe, runtime, want string }{
		{"CPython 3.12.1 gil", "cpython-ft", "runtime cpython-ft predicts a free-threaded CPython, but CPython 3.12.1"},
		{"CPython 3.13.1 nogil", "cpython", "runtime cpython predicts a CPython with the GIL, but CPython 3.13.1 free-threaded"},
	} {
		fake := filepath.Join(t.TempDir(), "python3")
		if err := os.WriteFile(fake, []byte("#!/bin/sh\necho '"+tt.probe+"'\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		r := conclab(t, nil, "verify", "-e", "[wait 1ms]", "--runtime", tt.runtime, "--python", fake)
		if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%s on %s: exit %d, stderr %q", tt.runtime, tt.probe, r.code, r.stderr)
		}
	}
}

// TestVerifyPicksTheRelease: without --runtime, verify predicts with the
// built-in profile of --python's release, and says so first.
func TestVerifyPicksTheRelease(t *testing.T) {
	for _, tt := range []struct{ probe, want string }{
		{"CPython 3.12.1 gil", "conclab: runtime cpython-3.12, the built-in profile of CPython 3.12.1"},
		{"CPython 3.13.5 nogil", "conclab: runtime cpython-3.13t, the built-in profile of CPython 3.13.5 free-threaded"},
		{"CPython 3.14.0 gil", "conclab: runtime cpython-3.13 for CPython 3.14.0"},
	} {
		fake := filepath.Join(t.TempDir(), "python3")
		if err := os.WriteFile(fake, []byte("#!/bin/sh\necho '"+tt.probe+"'\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		// The fake runs nothing: verify fails after saying what it took.
		r := conclab(t, nil, "verify", "-e", "[wait 1ms]", "-m", "sync", "--python", fake)
		if !strings.HasPrefix(r.stderr, tt.want) {
			t.Errorf("%s: stderr %q, want it to start with %q", tt.probe, r.stderr, tt.want)
		}
	}
}

func TestVerifyText(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	needPython(t)
	r := conclab(t, nil, "verify", "-e", "2 x [wait 100ms]; [work 5ms]", "-m", "threads(2)", "--repeat", "1", "--tolerance", "1000%")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"model       predicted  measured  min–max", "task end times", "threads(2) · predicted · makespan",
		"threads(2) · measured (the median of 1 run) · makespan", "worker-1│", "machine: ",
		"work: ", "million iterations", "running Python (GIL holder not measured)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "verify inline: threads(2) run 1/1 …") {
		t.Errorf("no progress on stderr: %q", r.stderr)
	}
	checkLines(t, r.stdout, 100)

	// No real run matches a prediction to the nanosecond: 0% must fail.
	// On a busy machine that is inconclusive (see TestVerifyBusyWording),
	// still exit status 1.
	r = conclab(t, nil, "verify", "-e", "[wait 20ms]", "-m", "sync", "--repeat", "1", "--tolerance", "0%")
	if r.code != exitFailure || !strings.Contains(r.stderr, "makespan beyond ±0% of the prediction: sync") &&
		!strings.Contains(r.stderr, "inconclusive, the machine was busy: sync") {
		t.Errorf("--tolerance 0%%: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestVerifyJSON(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	needPython(t)
	r := conclab(t, nil, "verify", "-e", "2 x io: [wait 50ms]", "-m", "sync", "-m", "asyncio", "--repeat", "2", "--format", "json", "--tolerance", "1000%")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var doc struct {
		Workload    string   `json:"workload"`
		Cores       int      `json:"cores"`
		Python      string   `json:"python"`
		Repeat      int      `json:"repeat"`
		NotMeasured []string `json:"not_measured"`
		LoadKnown   bool     `json:"load_known"`
		BusyLimits  struct {
			Others float64 `json:"others_cores"`
		} `json:"busy_limits"`
		Results []struct {
			Model     string  `json:"model"`
			MakespanS float64 `json:"makespan_s"`
			Measured  struct {
				Model     string  `json:"model"`
				MakespanS float64 `json:"makespan_s"`
				Tasks     []struct {
					Name string  `json:"name"`
					EndS float64 `json:"end_s"`
				} `json:"tasks"`
			} `json:"measured"`
			Error struct {
				Makespan *float64           `json:"makespan"`
				Tasks    map[string]float64 `json:"tasks"`
			} `json:"error"`
			Verdict string `json:"verdict"`
			Spread  struct {
				Min float64 `json:"makespan_min_s"`
				Max float64 `json:"makespan_max_s"`
			} `json:"spread"`
			Runs []struct {
				MakespanS float64         `json:"makespan_s"`
				Used      bool            `json:"used"`
				Load      json.RawMessage `json:"load"`
			} `json:"runs"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if doc.Workload != "inline" || doc.Repeat != 2 || doc.Python == "" || len(doc.NotMeasured) == 0 || len(doc.Results) != 2 {
		t.Fatalf("document: %+v", doc)
	}
	for i, want := range []string{"sync", "asyncio"} {
		res := doc.Results[i]
		if res.Model != want || res.Measured.Model != want || res.MakespanS <= 0 || res.Measured.MakespanS <= 0 {
			t.Errorf("result %d: %+v", i, res)
		}
		if res.Error.Makespan == nil || len(res.Error.Tasks) != 2 || len(res.Measured.Tasks) != 2 {
			t.Errorf("result %d: error %+v, measured tasks %+v", i, res.Error, res.Measured.Tasks)
		}
		if _, ok := res.Error.Tasks["io-2"]; !ok {
			t.Errorf("result %d: no error for task io-2: %v", i, res.Error.Tasks)
		}
		// The spread of the runs counted, each run with the machine's load.
		used := 0
		for _, run := range res.Runs {
			if run.Used {
				used++
				if run.MakespanS < res.Spread.Min || run.MakespanS > res.Spread.Max {
					t.Errorf("result %d: run of %v s outside the spread %+v", i, run.MakespanS, res.Spread)
				}
			}
			if doc.LoadKnown == (string(run.Load) == "null") {
				t.Errorf("result %d: load known %v, run's load %s", i, doc.LoadKnown, run.Load)
			}
		}
		if used != 2 || res.Verdict != "ok" || res.Spread.Min <= 0 || res.Spread.Min > res.Measured.MakespanS || res.Spread.Max < res.Measured.MakespanS {
			t.Errorf("result %d: %d runs used, verdict %q, spread %+v, median %v", i, used, res.Verdict, res.Spread, res.Measured.MakespanS)
		}
	}
	if goruntime.GOOS == "linux" && (!doc.LoadKnown || doc.BusyLimits.Others != 0.25) {
		t.Errorf("load known %v, busy limits %+v", doc.LoadKnown, doc.BusyLimits)
	}
}

// TestVerifyMeasuresWorkerStarts: a model that forks workers is predicted
// with this machine's start-ups, measured first and shown under the
// heading, in the JSON, and as the prediction's figures; --profile-worker-costs
// keeps the profile's, and a model without workers measures none.
func TestVerifyMeasuresWorkerStarts(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	needPython(t)
	r := conclab(t, nil, "verify", "-e", "[work 1ms]", "-m", "processes(1)", "--repeat", "1", "--tolerance", "1000%", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "verify inline: measuring this machine's worker start-ups (process_fork, fork_parent, fork_child) …") {
		t.Errorf("no progress for the start-ups: %q", r.stderr)
	}
	var doc struct {
		Starts map[string]struct {
			Measured float64 `json:"measured_s"`
			Profile  float64 `json:"profile_s"`
		} `json:"worker_starts"`
		Results []struct {
			MakespanS float64 `json:"makespan_s"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	fork := doc.Starts["process_fork"]
	if len(doc.Starts) != 3 || fork.Measured <= 0 || fork.Profile <= 0 || doc.Starts["fork_child"].Measured <= 0 {
		t.Fatalf("worker_starts %+v", doc.Starts)
	}
	// One worker: its start-up, then the millisecond of work.
	if got := doc.Results[0].MakespanS; got < fork.Measured || got > fork.Measured+0.01 {
		t.Errorf("predicted %v s with a measured fork of %v s", got, fork.Measured)
	}

	r = conclab(t, nil, "verify", "-e", "[work 1ms]", "-m", "processes(1)", "--repeat", "1", "--tolerance", "1000%", "--profile-worker-costs")
	if r.code != 0 || strings.Contains(r.stderr, "measuring") || strings.Contains(r.stdout, "worker start-ups measured") {
		t.Errorf("--profile-worker-costs: exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
	}
	r = conclab(t, nil, "verify", "-e", "[work 1ms]", "-m", "processes(1)", "-m", "sync", "--repeat", "1", "--tolerance", "1000%")
	if text := strings.Join(strings.Fields(r.stdout), " "); r.code != 0 || !strings.Contains(text, "worker start-ups measured on this machine (in ") ||
		!strings.Contains(text, ") and predicted with: process_fork") {
		t.Errorf("text: exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
	}
	r = conclab(t, nil, "verify", "-e", "[work 1ms]", "-m", "sync", "--repeat", "1", "--tolerance", "1000%")
	if r.code != 0 || strings.Contains(r.stderr, "measuring") || strings.Contains(r.stdout, "worker start-ups") {
		t.Errorf("sync: exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
	}
}

// TestVerifyInterruptLeavesNoPython runs the built binary on a workload of
// a few seconds under a process pool, sends SIGINT once the Python program
// and its workers run, and checks that no process carrying the test's
// marker in its environment is left.
func TestVerifyInterruptLeavesNoPython(t *testing.T) {
	needPython(t)
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("no /proc: cannot look for leftover processes")
	}
	bin := buildConclab(t)
	marker := fmt.Sprintf("conclab-sigint-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	cmd := exec.Command(bin, "verify", "-e", "2 x [wait 20s]", "-m", "processes(2)", "--repeat", "1")
	cmd.Env = append(os.Environ(), "CONCLAB_TEST_MARKER="+marker)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		// Whatever happened, leave nothing behind.
		cmd.Process.Kill()
		for _, pid := range marked(marker, cmd.Process.Pid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}()

	// Wait until the program and its two pool workers are up: forked
	// workers keep the program's command line.
	for {
		if n := len(marked(marker+"\x00program.py", cmd.Process.Pid)); n >= 3 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("verify ended before it was interrupted: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errorsAs(err, &ee) || ee.ExitCode() != exitFailure {
			t.Errorf("verify after SIGINT: %v, want exit status 1", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("verify did not end after SIGINT\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr does not say it was interrupted: %q", stderr.String())
	}
	if left := marked(marker, cmd.Process.Pid); len(left) > 0 {
		t.Errorf("processes left running after SIGINT: %v", left)
	}
}

func errorsAs(err error, target **exec.ExitError) bool {
	ee, ok := err.(*exec.ExitError)
	if ok {
		*target = ee
	}
	return ok
}

// marked returns the live processes other than self whose environment
// holds marker; with marker+"\x00"+word, only those whose command line also
// holds word. Zombies (dead, not yet reaped) do not count.
func marked(marker string, self int) []int {
	marker, word, _ := strings.Cut(marker, "\x00")
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(env, []byte(marker)) {
			continue
		}
		if cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); !bytes.Contains(cmdline, []byte(word)) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The state follows the parenthesised command name.
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// verify -o writes the report, whole, to the file and nothing to stdout.
func TestVerifyOutputFile(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	if _, err := exec.LookPath("python3"); err != nil {
		testtool.Missing(t, "no python3 on PATH: skipping verify -o")
	}
	out := filepath.Join(t.TempDir(), "verify.json")
	r := conclab(t, nil, "verify", "-e", "2 x [wait 50ms]", "-m", "threads(2)", "--repeat", "1",
		"--tolerance", "500%", "--format", "json", "-o", out)
	if r.code != exitOK || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(data), `"measured"`) {
		t.Errorf("-o wrote %q (%v)", data, err)
	}
	if r := conclab(t, nil, "verify", "seed-io", "-o", t.TempDir()); r.code != exitUsage || !strings.Contains(r.stderr, "is a directory") {
		t.Errorf("-o DIR: exit %d, stderr %s", r.code, r.stderr)
	}
}

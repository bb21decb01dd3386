package record

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	interp "github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/truth"
	"github.com/conclab/conclab/workload"
)

// python is the interpreter the tests record with: python3, which CI
// installs (a test fails rather than skips without it when CI is set).
func python(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is missing; CI installs it")
		}
		t.Skip("no python3")
	}
	return p
}

// spin is Python that burns CPU with the GIL held for ms milliseconds of
// the thread's CPU time.
const spin = `import time
def spin(ms):
    end = time.thread_time() + ms / 1000
    while time.thread_time() < end:
        pass
`

// recordProgram writes src as prog.py, records it and folds it.
func recordProgram(t *testing.T, src string, args ...string) (*Recording, *Result, int, string) {
	t.Helper()
	return recordWith(t, python(t), src, args...)
}

// recordWith is recordProgram with the interpreter py.
func recordWith(t *testing.T, py, src string, args ...string) (*Recording, *Result, int, string) {
	t.Helper()
	dir := t.TempDir()
	prog := filepath.Join(dir, "prog.py")
	if err := os.WriteFile(prog, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	// A program that hangs under the recorder fails its test, not the
	// package's hour (a pool's worker once waited for ever on its queue's
	// lock).
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rec, status, err := Run(ctx, RunOptions{
		Python: py, Program: append([]string{prog}, args...), Stdout: &out, Stderr: &errb,
	})
	if err != nil {
		t.Fatalf("Run: %v\nstderr: %s", err, errb.String())
	}
	res, err := Fold(rec, Options{Command: "prog.py", Name: "prog", Cores: 2, Date: "2026-12-01"})
	if err != nil {
		t.Fatalf("Fold: %v", err)
	}
	if _, err := workload.Parse("prog.yaml", res.YAML); err != nil {
		t.Fatalf("the workload does not parse: %v\n%s", err, res.YAML)
	}
	return rec, res, status, out.String() + errb.String()
}

func parse(t *testing.T, res *Result) *workload.Workload {
	t.Helper()
	w, err := workload.Parse("prog.yaml", res.YAML)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// kinds is a group's steps as letters: w work, r released work, i wait,
// b blocking wait, and the names of the blocks. Work under 500 µs on
// average (a return, a done callback, the bookkeeping around locks and
// sleeps, which reached 206 µs on a loaded CI machine) is left out: every
// program here spins 1 ms or more where it means work.
func kinds(steps []workload.Step) string { return kindsAbove(steps, 500_000) }

// kindsAbove is kinds leaving out work under min ns.
func kindsAbove(steps []workload.Step, min int64) string {
	var b strings.Builder
	for _, s := range steps {
		switch s.Kind {
		case workload.Work:
			if mean(s.Dur) < float64(min) {
				continue
			}
			if s.GILReleased {
				b.WriteByte('r')
			} else {
				b.WriteByte('w')
			}
		case workload.Wait:
			if s.Blocking {
				b.WriteByte('b')
			} else {
				b.WriteByte('i')
			}
		case workload.Gather:
			b.WriteString("gather")
		case workload.Use:
			b.WriteString("use")
		case workload.Repeat:
			b.WriteString("repeat")
		case workload.Choose:
			b.WriteString("choose")
		}
	}
	return b.String()
}

func TestRecordThreadPool(t *testing.T) {
	_, res, status, out := recordProgram(t, spin+`
import hashlib
from concurrent.futures import ThreadPoolExecutor
DATA = b"x" * 4000000
def handle(i):
    spin(3)
    time.sleep(0.02)
    hashlib.sha256(DATA).digest()
    return i
with ThreadPoolExecutor(max_workers=4) as ex:
    print(sum(ex.map(handle, range(12))))
`)
	if status != 0 || !strings.Contains(out, "66") {
		t.Fatalf("status %d, output %q: the program's own output and status must pass through", status, out)
	}
	w := parse(t, res)
	if len(w.Groups) != 1 || w.Groups[0].Name != "handle" || w.Groups[0].Count != 12 {
		t.Fatalf("want one group handle × 12, got:\n%s", res.YAML)
	}
	if got := kinds(w.Groups[0].Steps); got != "wir" {
		t.Errorf("handle's steps are %s, want work, wait, released work (wirw):\n%s", got, res.YAML)
	}
	if w.Models[0].Expr != "threads(4)" {
		t.Errorf("first model %s, want the program's threads(4)", w.Models[0].Expr)
	}
	g := res.Summary.Groups[0]
	// 12 × 3 ms of GIL-held CPU (the spin) and 12 × 20 ms asked of sleep:
	// what the tasks did, not the GIL waits of four threads sharing it.
	if g.GILCPU < 0.030 || g.GILCPU > 0.060 || g.Waits < 0.239 || g.Waits > 0.250 {
		t.Errorf("GIL CPU %.3f s (want 0.036–0.06), waits %.3f s (want 0.24)", g.GILCPU, g.Waits)
	}
	if g.ReleasedCPU < 0.012 {
		t.Errorf("sha256 of 4 MB released the GIL for %.4f s in all, want ≥ 12 × 1 ms", g.ReleasedCPU)
	}
}

func TestRecordAsyncio(t *testing.T) {
	_, res, status, _ := recordProgram(t, spin+`
import asyncio
async def fetch(i):
    spin(1)
    await asyncio.sleep(0.03)
async def handle(i):
    spin(2)
    await asyncio.gather(fetch(i), fetch(i + 1))
    time.sleep(0.005)   # blocking call on the loop
async def main():
    await asyncio.gather(*(handle(i) for i in range(6)))
asyncio.run(main())
`)
	if status != 0 {
		t.Fatalf("status %d", status)
	}
	w := parse(t, res)
	if len(w.Groups) != 1 || w.Groups[0].Count != 6 {
		t.Fatalf("want one group handle × 6 (main() only gathers them), got:\n%s", res.YAML)
	}
	if got := kinds(w.Groups[0].Steps); got != "wgatherb" {
		t.Errorf("handle's steps are %s, want work, a gather, a blocking wait:\n%s", got, res.YAML)
	}
	if w.Models[0].Expr != "asyncio" {
		t.Errorf("first model %s, want asyncio", w.Models[0].Expr)
	}
	if !strings.Contains(res.YAML2(), "count: 2") {
		t.Errorf("the gather has no branch of count 2:\n%s", res.YAML)
	}
	found := strings.Join(res.Summary.Findings, "\n")
	if !strings.Contains(found, "time.sleep called on the event loop 6 times") {
		t.Errorf("findings do not tell of the blocking sleeps:\n%s", found)
	}
}

// YAML2 is the workload without its comments, for tests.
func (r *Result) YAML2() string {
	var b strings.Builder
	for _, l := range strings.Split(string(r.YAML), "\n") {
		if i := strings.Index(l, "#"); i >= 0 {
			l = l[:i]
		}
		if strings.TrimSpace(l) != "" {
			b.WriteString(strings.TrimRight(l, " ") + "\n")
		}
	}
	return b.String()
}

func TestRecordSyncUnits(t *testing.T) {
	_, res, _, _ := recordProgram(t, spin+`
def setup():
    spin(20)
def handle(i):
    spin(2)
    time.sleep(0.01)
    spin(1)
    time.sleep(0.005)
def main():
    setup()
    for i in range(8):
        handle(i)
main()
`)
	w := parse(t, res)
	if len(w.Groups) != 1 || w.Groups[0].Name != "handle" || w.Groups[0].Count != 8 {
		t.Fatalf("want the 8 calls of handle as one group, got:\n%s", res.YAML)
	}
	if got := kinds(w.Groups[0].Steps); got != "wiwi" {
		t.Errorf("handle's steps %s, want wiwi:\n%s", got, res.YAML)
	}
	// They were all ready once setup() was done: 20 ms of CPU.
	if s := w.Groups[0].Start; s < 18e6 || s > 40e6 {
		t.Errorf("released at %d ns, want after setup's 20 ms", s)
	}
	if w.Models[0].Expr != "sync" {
		t.Errorf("first model %s, want sync", w.Models[0].Expr)
	}
}

// A loop that calls fetch, then parse, for each item: each turn is one
// unit of both calls' steps (calls of two functions in turn are no
// phases: before phases, one of the two was picked at random and the
// other's steps were lost).
func TestRecordSyncAlternating(t *testing.T) {
	_, res, _, _ := recordProgram(t, spin+`
def fetch(i):
    time.sleep(0.02)
    spin(2)
def parse(i):
    spin(5)
    time.sleep(0.005)
def main():
    for i in range(8):
        fetch(i)
        parse(i)
main()
`)
	w := parse(t, res)
	if len(w.Groups) != 1 || w.Groups[0].Name != "fetch" || w.Groups[0].Count != 8 || len(w.Groups[0].After) != 0 {
		t.Fatalf("want the 8 turns of the loop as one group, got:\n%s", res.YAML)
	}
	if got := kinds(w.Groups[0].Steps); got != "iwi" {
		t.Errorf("the steps %s, want iwi (fetch's sleep, both spins, parse's sleep):\n%s", got, res.YAML)
	}
	if work := mean(w.Groups[0].Steps[len(w.Groups[0].Steps)-2].Dur); work < 6.5e6 || work > 8.5e6 {
		t.Errorf("the spins took %.1f ms, want 7:\n%s", work/1e6, res.YAML)
	}
}

// A pool's work items waited for one at a time (submit(f).result() in a
// loop) are one group released as they were made: no phase a task.
func TestRecordOneAtATime(t *testing.T) {
	_, res, _, _ := recordProgram(t, spin+`
from concurrent.futures import ThreadPoolExecutor
def fetch(i):
    time.sleep(0.01)
    spin(2)
with ThreadPoolExecutor(4) as ex:
    for i in range(6):
        ex.submit(fetch, i).result()
`)
	w := parse(t, res)
	if len(w.Groups) != 1 || w.Groups[0].Count != 6 || len(w.Groups[0].After) != 0 || w.Groups[0].Every < 10e6 {
		t.Fatalf("want fetch × 6 released one after another, got:\n%s", res.YAML)
	}
}

// TestRecordSlowWorkerStart: a spawned worker, and one a forkserver forks
// (before CPython 3.13.8), runs the program's main module again before its
// first item. One whose main module takes 0.4 s when it runs again (as
// importing a large library would) is found out: its first item began long
// after the first submit, against the profile's start-up, which the models
// take. Forked workers run nothing again, and nothing is found.
func TestRecordSlowWorkerStart(t *testing.T) {
	for _, start := range []string{"spawn", "forkserver", "fork"} {
		t.Run(start, func(t *testing.T) {
			_, res, status, out := recordProgram(t, spin+`
import sys, multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
if __name__ != "__main__":
    time.sleep(0.4)  # a large library's import, run again in every worker
def handle(x):
    spin(2)
    return x * 2
if __name__ == "__main__":
    with ProcessPoolExecutor(2, mp_context=mp.get_context(sys.argv[1])) as ex:
        print(sum(ex.map(handle, range(4))))
`, start)
			if status != 0 || !strings.Contains(out, "12") {
				t.Fatalf("status %d, output %q", status, out)
			}
			var found []string
			for _, f := range res.Summary.Findings {
				if strings.Contains(f, "after the first submit") {
					found = append(found, f)
				}
			}
			switch {
			case start == "fork":
				if len(found) > 0 {
					t.Errorf("forked workers said to start late: %q", found)
				}
			case len(found) != 1:
				t.Errorf("findings %q, want one saying the first item began late", res.Summary.Findings)
			case !strings.Contains(found[0], "ProcessPoolExecutor(max_workers=2)") || !strings.Contains(found[0], "main module again"):
				t.Errorf("the finding does not say which pool, or why: %q", found[0])
			}
		})
	}
}

// TestRecordProcesses records a process pool with each start method. With
// forkserver (Linux's default from 3.14) the workers are forked from a
// server process the pool spawns at its first submit, through a socket:
// they used to go unrecorded (the server did not import the recorder),
// and the submits that started them looked like the program's own
// function called per item.
func TestRecordProcesses(t *testing.T) {
	for _, start := range []string{"fork", "spawn", "forkserver"} {
		t.Run(start, func(t *testing.T) {
			_, res, status, out := recordProgram(t, spin+`
import sys, multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
def handle(data):
    spin(4)
    time.sleep(0.01)
    return data[:1000]
if __name__ == "__main__":
    with ProcessPoolExecutor(2, mp_context=mp.get_context(sys.argv[1])) as ex:
        print(sum(len(r) for r in ex.map(handle, [b"y" * 200000] * 4)))
`, start)
			if status != 0 || !strings.Contains(out, "4000") {
				t.Fatalf("status %d, output %q", status, out)
			}
			w := parse(t, res)
			if len(w.Groups) != 1 || w.Groups[0].Count != 4 {
				t.Fatalf("want handle × 4, got:\n%s", res.YAML)
			}
			g := w.Groups[0]
			if g.Input < 200000 || g.Input > 201000 || g.Output < 1000 || g.Output > 1100 {
				t.Errorf("input %d output %d bytes, want 200 KB and 1 KB", g.Input, g.Output)
			}
			want := "processes(2)"
			if start != "fork" {
				want = "processes(2, start=" + start + ")"
			}
			if w.Models[0].Expr != want {
				t.Errorf("first model %s, want %s", w.Models[0].Expr, want)
			}
			if s := res.Summary.Groups[0]; s.GILCPU < 0.016 || s.Waits < 0.039 {
				t.Errorf("the workers' steps were not recorded: %+v", s)
			}
		})
	}
}

func TestRecordSemaphore(t *testing.T) {
	_, res, _, _ := recordProgram(t, spin+`
import threading
db = threading.BoundedSemaphore(2)
def handle(i):
    spin(1)
    with db:
        time.sleep(0.02)
    spin(1)
ts = [threading.Thread(target=handle, args=(i,)) for i in range(6)]
for t in ts: t.start()
for t in ts: t.join()
`)
	w := parse(t, res)
	if len(w.Resources) != 1 || w.Resources[0].Capacity != 2 {
		t.Fatalf("want one resource of capacity 2, got:\n%s", res.YAML)
	}
	if len(w.Groups) != 1 || w.Groups[0].Count != 6 || kinds(w.Groups[0].Steps) != "wusew" {
		t.Fatalf("want handle × 6 as work, use, work, got %s:\n%s", kinds(w.Groups[0].Steps), res.YAML)
	}
	// Six tasks through two slots of 20 ms: four of them queued.
	if s := res.Summary.Groups[0]; s.LockWaits < 0.04 {
		t.Errorf("resource waits %.3f s, want ≥ 40 ms", s.LockWaits)
	}
	if w.Models[0].Expr != "threads" {
		t.Errorf("first model %s, want threads", w.Models[0].Expr)
	}
}

func TestRecordFailingProgram(t *testing.T) {
	_, res, status, out := recordProgram(t, spin+`
def handle(i):
    spin(1)
    time.sleep(0.01)
for i in range(3):
    handle(i)
raise SystemExit(3)
`)
	if status != 3 {
		t.Errorf("status %d, want the program's 3", status)
	}
	_ = out
	if w := parse(t, res); w.NumTasks() != 3 {
		t.Errorf("want the 3 calls that ran, got:\n%s", res.YAML)
	}
	_, res, status, out = recordProgram(t, spin+`
def handle(i):
    spin(1)
    time.sleep(0.01)
for i in range(3):
    handle(i)
{}["missing"]
`)
	if status != 1 || !strings.Contains(out, "KeyError: 'missing'") || strings.Contains(out, "conclab_recorder") {
		t.Errorf("status %d, output %q: want 1 and the program's own traceback, without the recorder's frames", status, out)
	}
	if res.Summary.Error == "" || !strings.Contains(res.Summary.Text(), "warning: the program failed") {
		t.Errorf("the summary does not warn of the failure:\n%s", res.Summary.Text())
	}
}

// TestRoundTrip records the programs conclab export writes for a known
// workload under each kind of model and gets the workload back: the same
// groups (counts and step kinds) and durations within 10 %.
func TestRoundTrip(t *testing.T) {
	python(t)
	const src = `cores: 2
tasks:
  - name: request
    count: 12
    steps:
      - work: 5ms
      - wait: 40ms
      - work: 2ms
      - wait: uniform(10ms, 30ms)
  - name: digest
    count: 4
    steps:
      - work: 3ms
      - work: 8ms
        gil: released
`
	want, err := workload.Parse("known.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, expr := range []string{"threads(4)", "asyncio", "sync", "processes(2)"} {
		t.Run(expr, func(t *testing.T) {
			d, err := model.Parse(expr)
			if err != nil {
				t.Fatal(err)
			}
			var prog bytes.Buffer
			if err := truth.Export(&prog, want, d, truth.ExportOptions{Cores: 2}); err != nil {
				t.Fatal(err)
			}
			_, res, status, out := recordProgram(t, prog.String())
			if status != 0 {
				t.Fatalf("the exported program exited %d", status)
			}
			// What each work step cost the program, as it measured it: its
			// loop runs the iterations its work rate (measured at its
			// start) says, which take more CPU when the VM runs slow for a
			// while (1.7× in a CI run of 2026-12-04). The recording is
			// judged against that, the waits against the workload.
			m, err := truth.ParseMeasurement([]byte(out))
			if err != nil {
				t.Fatalf("the exported program's output: %v", err)
			}
			cpu := map[string][]float64{} // group → step → mean CPU (ns)
			for _, task := range m.Tasks {
				name, _, _ := strings.Cut(task.Name, "-")
				if cpu[name] == nil {
					cpu[name] = make([]float64, len(task.Steps))
				}
				for j, st := range task.Steps {
					if j < len(cpu[name]) && st.CPU >= 0 {
						cpu[name][j] += st.CPU * 1e9 / float64(want.Groups[slices.IndexFunc(want.Groups, func(g workload.Group) bool { return g.Name == name })].Count)
					}
				}
			}
			got := parse(t, res)
			var groups []workload.Group
			for _, g := range got.Groups {
				// The exported program's own helpers: its watchdog, and the
				// task that meets every worker process at the start.
				if g.Name != "watch" && g.Name != "meet" {
					groups = append(groups, g)
				}
			}
			if len(groups) != 2 {
				t.Fatalf("want the 2 groups back, got:\n%s", res.YAML)
			}
			for i, w := range want.Groups {
				g := groups[i]
				// The exported program's own bookkeeping (its timestamps of
				// every step, its results) is CPU too: up to a millisecond
				// a step on a busy machine, which the recorder rightly sees.
				const slack = 1_000_000
				if g.Count != w.Count || kindsAbove(g.Steps, slack) != kinds(w.Steps) {
					t.Errorf("group %d: %d × %s, want %d × %s:\n%s", i, g.Count, kindsAbove(g.Steps, slack), w.Count, kinds(w.Steps), res.YAML)
					continue
				}
				for j, ws := range w.Steps {
					gm, wm := mean(g.Steps[j].Dur), mean(ws.Dur)
					if ws.Kind == workload.Work {
						if c := cpu[w.Name]; j < len(c) && c[j] > 0 {
							wm = c[j]
						}
					}
					if d := gm - wm; d > 0.10*wm+slack || d < -0.10*wm-slack {
						t.Errorf("%s step %d: %s, want %s ± 10 %% + 1 ms (the workload's %s)", w.Name, j+1, workload.FormatDuration(int64(gm)),
							workload.FormatDuration(int64(wm)), workload.FormatDuration(int64(mean(ws.Dur))))
					}
				}
			}
			if got.Models[0].Expr != expr {
				t.Errorf("first model %s, want %s", got.Models[0].Expr, expr)
			}
		})
	}
}

// groupNamed is w's group of that name, nil if none.
func groupNamed(w *workload.Workload, name string) *workload.Group {
	for i := range w.Groups {
		if w.Groups[i].Name == name {
			return &w.Groups[i]
		}
	}
	return nil
}

// mean is the mean of a duration distribution, in ns.
func mean(d workload.Dist) float64 {
	switch d.Kind {
	case workload.Uniform:
		return float64(d.A+d.B) / 2
	}
	return float64(d.A)
}

// TestEveryPython records a thread pool, an asyncio program and a process
// pool with each CPython 3.8–3.13 pyenv has here, and with the
// free-threaded 3.13t that scripts/build-python-ft builds (.ci/run builds
// it): the recorder uses only what all of them have.
func TestEveryPython(t *testing.T) {
	home, _ := os.UserHomeDir()
	pythons, _ := filepath.Glob(filepath.Join(home, ".pyenv", "versions", "3.*", "bin", "python3"))
	if len(pythons) == 0 {
		t.Skip("no pyenv CPythons here")
	}
	cache, err := interp.CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	ft := filepath.Join(cache, "python3.13t", "bin", "python3.13t")
	if py, err := interp.Find(context.Background(), ft); err != nil || !py.FreeThreaded {
		testtool.Missing(t, "no free-threaded CPython at %s (scripts/build-python-ft builds it): %v", ft, err)
	} else {
		pythons = append(pythons, ft)
	}
	progs := map[string]string{
		"pool": spin + `
from concurrent.futures import ThreadPoolExecutor
def handle(i):
    spin(1)
    time.sleep(0.01)
with ThreadPoolExecutor(2) as ex:
    list(ex.map(handle, range(4)))
`,
		"asyncio": spin + `
import asyncio
async def handle(i):
    spin(1)
    await asyncio.sleep(0.01)
async def main():
    await asyncio.gather(*(handle(i) for i in range(4)))
asyncio.run(main())
`,
		"processes": spin + `
from concurrent.futures import ProcessPoolExecutor
import multiprocessing as mp
def handle(i):
    spin(1)
    time.sleep(0.01)
    return b"x" * 100
if __name__ == "__main__":
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as ex:
        list(ex.map(handle, range(4)))
`,
		"mp-pool": spin + `
import multiprocessing as mp
def handle(i):
    spin(1)
    time.sleep(0.01)
    return b"x" * 100
if __name__ == "__main__":
    with mp.Pool(2) as pool:
        pool.map(handle, range(4), chunksize=1)
`,
	}
	for _, py := range pythons {
		version := filepath.Base(filepath.Dir(filepath.Dir(py)))
		if py == ft {
			version = "3.13t"
		}
		var minor int
		if _, err := fmt.Sscanf(version, "3.%d", &minor); err != nil || minor < 8 {
			continue // 3.6 and 3.7: older than conclab's Python
		}
		for name, src := range progs {
			t.Run(version+"/"+name, func(t *testing.T) {
				dir := t.TempDir()
				prog := filepath.Join(dir, "prog.py")
				os.WriteFile(prog, []byte(src), 0o600)
				var errb bytes.Buffer
				rec, status, err := Run(context.Background(), RunOptions{Python: py, Program: []string{prog}, Stdout: &errb, Stderr: &errb})
				if err != nil || status != 0 {
					t.Fatalf("status %d, %v: %s", status, err, errb.String())
				}
				res, err := Fold(rec, Options{Command: "prog.py", Name: "prog", Cores: 2})
				if err != nil {
					t.Fatal(err)
				}
				w := parse(t, res)
				// 1 ms of spin is 0.42 ms of work on 3.13t, whose profile
				// runs Python code 2.37× slower (recordedRuntime).
				if w.NumTasks() != 4 || kindsAbove(w.Groups[0].Steps, 300_000) != "wi" {
					t.Errorf("want handle × 4 as work, wait:\n%s", res.YAML)
				}
				want := "cpython-3." + strconv.Itoa(minor)
				if py == ft {
					want += "t"
				}
				if w.Runtime != want {
					t.Errorf("runtime %s, want %s, the interpreter's", w.Runtime, want)
				}
			})
		}
	}
}

// TestRecordLock: the program's lock is a resource of capacity 1, a
// task's hold of it a use, and its waits for it resource waits. Four
// tasks through one lock held 10 ms, started about a millisecond apart:
// up to 10 + 20 + 30 ms of queueing, less their stagger (51–65 ms in 100
// runs here). In about one run in 50 a thread stalls and the waits come
// to 67–124 ms, with or without this session's changes (2026-12-03): a
// second recording is made then, and the nearer judged.
func TestRecordLock(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	var waits []float64
	for range 2 {
		_, res, _, _ := recordProgram(t, spin+`
import threading, queue
state = threading.Lock()
q = queue.Queue()   # the standard library's own locks are not the program's
def handle(i):
    spin(1)
    with state:
        time.sleep(0.01)
    q.put(i)
ts = [threading.Thread(target=handle, args=(i,)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
`)
		w := parse(t, res)
		if len(w.Resources) != 1 || w.Resources[0].Capacity != 1 {
			t.Fatalf("want the program's lock as one resource of capacity 1, got:\n%s", res.YAML)
		}
		if len(w.Groups) != 1 || w.Groups[0].Count != 4 || kinds(w.Groups[0].Steps) != "wuse" {
			t.Fatalf("want handle × 4 as work, use, got %s:\n%s", kinds(w.Groups[0].Steps), res.YAML)
		}
		lw := res.Summary.Groups[0].LockWaits
		if lw >= 0.03 && lw <= 0.065 {
			return
		}
		waits = append(waits, lw)
	}
	t.Errorf("resource waits %.3f s, want 30–65 ms", waits)
}

func TestRecordOffload(t *testing.T) {
	_, res, _, _ := recordProgram(t, spin+`
import asyncio
def blocking_call(i):
    time.sleep(0.02)
async def handle(i):
    spin(1)
    await asyncio.get_running_loop().run_in_executor(None, blocking_call, i)
    spin(1)
async def main():
    await asyncio.gather(*(handle(i) for i in range(5)))
asyncio.run(main())
`)
	w := parse(t, res)
	if len(w.Groups) != 1 || w.Groups[0].Count != 5 {
		t.Fatalf("want handle × 5, got:\n%s", res.YAML)
	}
	steps := w.Groups[0].Steps
	if kinds(steps) != "wbw" {
		t.Fatalf("want work, the offloaded blocking wait, work; got %s:\n%s", kinds(steps), res.YAML)
	}
	if steps[1].Offload != workload.OffloadThread {
		t.Errorf("the wait is not offloaded to a thread:\n%s", res.YAML)
	}
	for _, f := range res.Summary.Findings {
		if strings.Contains(f, "on the event loop") {
			t.Errorf("an offloaded call does not stall the loop: %v", f)
		}
	}
}

// A child the program forks and that exits like a program (sys.exit, its
// atexit handlers) leaves the parent's recording alone.
func TestRecordForkedChild(t *testing.T) {
	_, res, status, _ := recordProgram(t, spin+`
import os, sys
def handle(i):
    spin(1)
    time.sleep(0.01)
pid = os.fork()
if pid == 0:
    time.sleep(0.3)   # ends after the parent, holding its output open
    handle(99)
    sys.exit(0)
for i in range(3):
    handle(i)
`)
	if status != 0 {
		t.Fatalf("status %d", status)
	}
	if w := parse(t, res); w.NumTasks() != 3 {
		t.Errorf("want the parent's 3 calls, got:\n%s", res.YAML)
	}
}

func TestRecordRLock(t *testing.T) {
	_, res, _, _ := recordProgram(t, spin+`
import threading
state = threading.RLock()
def inner():
    with state:            # taken again by its holder: one use
        time.sleep(0.005)
def handle(i):
    spin(1)
    with state:
        inner()
        time.sleep(0.005)
ts = [threading.Thread(target=handle, args=(i,)) for i in range(3)]
for t in ts: t.start()
for t in ts: t.join()
`)
	w := parse(t, res)
	if len(w.Resources) != 1 || w.Resources[0].Capacity != 1 {
		t.Fatalf("want the program's RLock as one resource of capacity 1, got:\n%s", res.YAML)
	}
	// Every call is work, then one use holding its waits. The two sleeps
	// inside are one wait when the bookkeeping between them is short, two
	// when a loaded machine stretches it past the recorder's merge (311 µs
	// once in CI): then the calls form two groups, which is right too.
	calls := 0
	for _, g := range w.Groups {
		calls += g.Count
		if kinds(g.Steps) != "wuse" || !regexp.MustCompile(`^i+$`).MatchString(kinds(g.Steps[1].Steps)) {
			t.Fatalf("want handle as work, one use holding its waits, got:\n%s", res.YAML)
		}
	}
	if calls != 3 {
		t.Errorf("%d calls of handle, want 3:\n%s", calls, res.YAML)
	}
}

// A Condition on the program's RLock works as it does without conclab.
func TestRecordConditionOnRLock(t *testing.T) {
	_, res, status, out := recordProgram(t, `
import threading
lock = threading.RLock()
cond = threading.Condition(lock)
items = []
def consumer():
    with lock:
        with lock:  # held twice: wait() lets go of both
            while not items:
                cond.wait(timeout=5)
    print("got", items[0])
t = threading.Thread(target=consumer)
t.start()
import time
time.sleep(0.05)
with cond:
    items.append(1)
    cond.notify()
t.join()
`)
	if status != 0 || !strings.Contains(out, "got 1") {
		t.Fatalf("status %d, output %q", status, out)
	}
	_ = res
}

func TestShareFindings(t *testing.T) {
	tests := []struct {
		g    GroupSummary
		want string
	}{
		{GroupSummary{GILCPU: 0.8, Waits: 0.2}, "80 % of the tasks' time is Python code holding the GIL"},
		{GroupSummary{GILCPU: 0.3, ReleasedCPU: 0.5, Waits: 0.2}, "50 % of the tasks' time is C code that releases the GIL"},
		{GroupSummary{GILCPU: 0.1, Waits: 0.9}, "90 % of the tasks' time is waiting"},
	}
	for _, tt := range tests {
		got := strings.Join(shareFindings([]GroupSummary{tt.g}), "\n")
		if !strings.Contains(got, tt.want) {
			t.Errorf("%+v: %q, want %q", tt.g, got, tt.want)
		}
	}
	if got := shareFindings([]GroupSummary{{GILCPU: 0.4, ReleasedCPU: 0.2, Waits: 0.4}}); len(got) != 0 {
		t.Errorf("a mixed workload: %q, want no finding", got)
	}
}

// progPath is the temporary directory's prog.py.
var progPath = regexp.MustCompile(`/\S*/prog\.py`)

// TestRecordSources: each step of a recorded workload says where in the
// program it is: a call's line, the lines between two calls for CPU, an
// acquire's line for a use; under threads and on an event loop, where an
// await's line is the coroutine's own, not asyncio's.
func TestRecordSources(t *testing.T) {
	_, res, status, out := recordProgram(t, `import asyncio, threading, time, zlib
from concurrent.futures import ThreadPoolExecutor
LOCK = threading.Lock()
DATA = bytes(range(256)) * 40000
def spin(ms):
    end = time.thread_time() + ms / 1000
    while time.thread_time() < end:
        pass
def handle(i):
    spin(2)
    time.sleep(0.01)
    zlib.compress(DATA, 6)
    with LOCK:
        time.sleep(0.002)
    spin(1)
async def fetch(i):
    spin(1)
    await asyncio.sleep(0.02)
    spin(1)
async def main():
    await asyncio.gather(*(fetch(i) for i in range(4)))
with ThreadPoolExecutor(max_workers=2) as ex:
    list(ex.map(handle, range(4)))
asyncio.run(main())
`)
	if status != 0 {
		t.Fatalf("status %d: %s", status, out)
	}
	w := parse(t, res)
	var got []string
	var walk func(steps []workload.Step)
	walk = func(steps []workload.Step) {
		for _, s := range steps {
			if s.Kind == workload.Work && !s.GILReleased && mean(s.Dur) < 500_000 {
				continue // the bookkeeping between calls
			}
			got = append(got, progPath.ReplaceAllString(s.Source, "prog.py"))
			walk(s.Steps)
		}
	}
	for _, g := range w.Groups {
		walk(g.Steps)
	}
	want := []string{
		// handle, under threads: its CPU from its def to the sleep, the
		// sleep, zlib, the lock taken (the wait inside), the CPU after.
		"prog.py:9-11(handle)", "prog.py:11(handle)", "prog.py:12(handle)", "prog.py:13(handle)", "prog.py:14(handle)",
		"after prog.py:14(handle)",
		// fetch, on the event loop: the await's line is fetch's own.
		"prog.py:16-18(fetch)", "prog.py:18(fetch)", "after prog.py:18(fetch)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("sources\n got %q\nwant %q\n%s", got, want, res.YAML)
	}
}

// consumers is a program whose three threads (or as many as its first
// argument says) take 30 items from the queue q that made makes (2 ms of
// work and a 20 ms sleep each) while the main program puts them 1 ms
// apart, stops them with stop, prints how long that took ("took S") and
// then runs after.
func consumers(made, stop, after string) string {
	return spin + "import queue, sys, threading\n" + made + `
def consumer():
    while True:
        item = q.get()
        if item is None:
            break
        spin(2)
        time.sleep(0.02)
start = time.perf_counter()
threads = [threading.Thread(target=consumer) for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 3)]
for t in threads:
    t.start()
for i in range(30):
    spin(1)
    q.put(i)
for _ in threads:
    ` + stop + `
for t in threads:
    t.join()
print("took %.4f" % (time.perf_counter() - start))
` + after
}

// TestRecordSimpleQueue: the same with a queue.SimpleQueue, a C type the
// recorder subclasses for the program: each item a task released when it
// was put, the program's get with a timeout raising Empty as unrecorded,
// and the SimpleQueue inside a ThreadPoolExecutor not the program's.
func TestRecordSimpleQueue(t *testing.T) {
	rec, res, status, out := recordProgram(t, consumers(`
from concurrent.futures import ThreadPoolExecutor
q = queue.SimpleQueue()
assert isinstance(q, queue.SimpleQueue)
try:
    q.get(timeout=0.001)
except queue.Empty:
    print("empty")
`, "q.put_nowait(None)", `
with ThreadPoolExecutor(2) as ex:
    list(ex.map(lambda i: spin(1), range(2)))
`))
	if status != 0 || !strings.Contains(out, "empty\n") {
		t.Fatalf("status %d: %s", status, out)
	}
	if len(rec.Queues) != 1 || rec.Queues[0].Kind != "queue.SimpleQueue" {
		t.Fatalf("queues %+v, want the program's SimpleQueue alone", rec.Queues)
	}
	w := parse(t, res)
	i := slices.IndexFunc(w.Groups, func(g workload.Group) bool { return g.Name == "consumer" })
	if i < 0 || len(w.Groups) != 2 {
		t.Fatalf("want the consumers' items and the pool's work items:\n%s", res.YAML)
	}
	g := w.Groups[i]
	if g.Count != 30 || kinds(g.Steps) != "wi" {
		t.Fatalf("want consumer × 30 (an item each, not the None) of a spin and a sleep:\n%s", res.YAML)
	}
	if w.Models[0].Expr != "threads(3)" || !strings.Contains(res.Summary.ModelWhy, "3 threads taking 30 items from queue.SimpleQueue() made at <module>") {
		t.Errorf("first model %s (%s), want threads(3): three threads took the items", w.Models[0].Expr, res.Summary.ModelWhy)
	}
	// The pool's two items come after: predict the consumers alone.
	w.Groups = w.Groups[i : i+1]
	predictsTook(t, w, res, out)
}

// TestRecordQueueConsumers: worker threads taking items from a bounded
// queue.Queue: each item is a task of its own, released when the main
// program put it; the None that stops a worker is none; the model is a
// pool of as many threads as took items, and it predicts the program's
// own time.
func TestRecordQueueConsumers(t *testing.T) {
	_, res, status, out := recordProgram(t, consumers(`
q = queue.Queue(maxsize=4)
`, "q.put(None)", ""))
	if status != 0 {
		t.Fatalf("status %d: %s", status, out)
	}
	w := parse(t, res)
	if len(w.Groups) != 1 || w.Groups[0].Name != "consumer" || w.Groups[0].Count != 30 {
		t.Fatalf("want one group consumer × 30 (an item each, not the None):\n%s", res.YAML)
	}
	if got := kinds(w.Groups[0].Steps); got != "wi" {
		t.Errorf("an item's steps are %s, want the spin and the sleep:\n%s", got, res.YAML)
	}
	if w.Models[0].Expr != "threads(3)" || !strings.Contains(res.Summary.ModelWhy, "3 threads taking 30 items from queue.Queue(maxsize=4)") {
		t.Errorf("first model %s (%s), want threads(3): three threads took the items", w.Models[0].Expr, res.Summary.ModelWhy)
	}
	found := strings.Join(res.Summary.Findings, "\n")
	if !strings.Contains(found, "queue.Queue(maxsize=4) made at <module>") || !strings.Contains(found, "waited") {
		t.Errorf("findings do not tell of the queue and its puts' waits for room:\n%s", found)
	}
	predictsTook(t, w, res, out)
}

// TestRecordBoundedQueueMoreConsumers: a bounded queue held its producer
// back while two consumers had a backlog; the items are released when
// they would have been put with room to spare, so the workload predicts
// both the two consumers it was recorded with and six, which the same
// program with six threads measures. (Stamped when the put returned, as
// before 2026-12-03, six consumers got the items at two consumers' pace:
// predicted 435 ms where six took 171 ms.)
func TestRecordBoundedQueueMoreConsumers(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	prog := consumers(`
q = queue.Queue(maxsize=2)
`, "q.put(None)", "")
	_, res, status, out := recordProgram(t, prog, "2")
	if status != 0 {
		t.Fatalf("status %d: %s", status, out)
	}
	w := parse(t, res)
	if len(w.Groups) != 1 || w.Groups[0].Count != 30 || w.Models[0].Expr != "threads(2)" {
		t.Fatalf("want consumer × 30 under threads(2):\n%s", res.YAML)
	}
	found := strings.Join(res.Summary.Findings, "\n")
	if !strings.Contains(found, "would have been put with room to spare") {
		t.Errorf("findings do not say the items are released as if the queue had room:\n%s", found)
	}
	// Unbounded, the producer puts 30 items 1 ms apart.
	if span := w.Groups[0].Every * int64(w.Groups[0].Count-1); span > 60e6 {
		t.Errorf("the items' releases span %.0f ms, want the producer's own 30 ms or so:\n%s", float64(span)/1e6, res.YAML)
	}
	predictsTook(t, w, res, out)
	w.Models[0].Expr = "threads(6)"
	predictsTook(t, w, res, unrecorded(t, prog, "6"))
}

// unrecorded runs src as a program without the recorder, with args, and
// returns what it printed.
func unrecorded(t *testing.T, src string, args ...string) string {
	t.Helper()
	return unrecordedWith(t, python(t), src, args...)
}

// unrecordedWith is unrecorded with the interpreter py.
func unrecordedWith(t *testing.T, py, src string, args ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "prog.py")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, append([]string{path}, args...)...).Output()
	if err != nil {
		t.Fatalf("the program %q unrecorded: %v: %s", args, err, out)
	}
	return string(out)
}

// timedSpin starts a program that prints "took S" from its very start,
// its imports included as its recording's release times include them,
// and defines spin.
const timedSpin = "import time\nstart = time.perf_counter()\n" + spin

// predictsTook: the workload's first model predicts within 15 % the time
// the program printed ("took S").
func predictsTook(t *testing.T, w *workload.Workload, res *Result, out string) {
	t.Helper()
	var took float64
	i := strings.Index(out, "took ")
	if i < 0 {
		t.Fatalf("the program said %q", out)
	}
	if _, err := fmt.Sscanf(out[i:], "took %f", &took); err != nil {
		t.Fatalf("the program said %q", out)
	}
	r := predictFirst(t, w, res.YAML)
	if d := float64(r.Makespan)/1e9/took - 1; d > 0.15 || d < -0.15 {
		t.Errorf("%s predicts %.3f s, the program took %.3f s (%+.0f%%):\n%s", w.Models[0].Expr, float64(r.Makespan)/1e9, took, 100*d, res.YAML)
	}
}

// TestRecordPriorityQueue: a queue.PriorityQueue hands its items out by
// priority, not in the order they were put: each item still becomes a
// task released when it was put (its put time kept by the item, not by
// its place in the queue), and the summary says the order differs. The
// same for an asyncio.PriorityQueue.
func TestRecordPriorityQueue(t *testing.T) {
	for _, tt := range []struct{ name, prog, kind, model string }{
		{"threads", `
import queue, threading
q = queue.PriorityQueue()
def consumer():
    while True:
        prio, item = q.get()
        if item is None:
            break
        spin(2)
        time.sleep(0.01)
threads = [threading.Thread(target=consumer) for _ in range(2)]
for i in range(20):
    q.put((20 - i, i))
    if i % 4 == 3:
        time.sleep(0.03)
    if i == 1:
        for t in threads:
            t.start()
for _ in threads:
    q.put((99, None))
for t in threads:
    t.join()
`, "queue.PriorityQueue", "threads(2)"},
		{"asyncio", `
import asyncio
async def worker(q):
    while True:
        prio, item = await q.get()
        spin(2)
        await asyncio.sleep(0.01)
        q.task_done()
async def main():
    q = asyncio.PriorityQueue()
    workers = [asyncio.create_task(worker(q)) for _ in range(3)]
    for i in range(18):
        await q.put((18 - i, i))
        if i % 3 == 2:
            await asyncio.sleep(0.02)
    await q.join()
    for w in workers:
        w.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
asyncio.run(main())
`, "asyncio.PriorityQueue", "asyncio"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, res, status, out := recordProgram(t, spin+tt.prog)
			if status != 0 {
				t.Fatalf("status %d: %s", status, out)
			}
			w := parse(t, res)
			var items *workload.Group
			for i := range w.Groups {
				if w.Groups[i].Count >= 18 {
					items = &w.Groups[i]
				}
			}
			if items == nil {
				t.Fatalf("no group of the items:\n%s", res.YAML)
			}
			if got := kinds(items.Steps); got != "wi" && got != "wa" {
				t.Errorf("an item's steps are %s, want the spin and the sleep:\n%s", got, res.YAML)
			}
			if !strings.HasPrefix(w.Models[0].Expr, tt.model) {
				t.Errorf("first model %s (%s), want %s", w.Models[0].Expr, res.Summary.ModelWhy, tt.model)
			}
			// Released when put: the puts came in bursts 20–30 ms apart,
			// so the items' releases span the bursts, whatever order the
			// priorities gave them.
			if span := items.Every * int64(items.Count-1); span < 50e6 {
				t.Errorf("the items' releases span %d ns, want the bursts' 100 ms or so:\n%s", span, res.YAML)
			}
			found := strings.Join(res.Summary.Findings, "\n")
			if !strings.Contains(found, tt.kind+"(maxsize=0) made at") || !strings.Contains(found, "by priority") {
				t.Errorf("findings do not tell of the priority queue:\n%s", found)
			}
		})
	}
}

// TestRecordExecutorCalls: coroutines that send two calls in turn to a
// ThreadPoolExecutor(3) of their own (run_in_executor): the model is
// asyncio(executor=3), each call's steps stay its own (a call that
// computes then sleeps, then one that sleeps: the loop's CPU between
// them is kept, so that they are two trips to the executor, the second
// queued behind the others'), and it predicts the program's time, run
// unrecorded. (Until 2026-12-03 the model took the default executor's
// 6 threads and the two calls' sleeps were one: 220 ms predicted where
// the program took 383; now 380.)
func TestRecordExecutorCalls(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	const prog = timedSpin + `import asyncio
from concurrent.futures import ThreadPoolExecutor
def fetch(i):
    spin(1)
    time.sleep(0.03)
def store(i):
    time.sleep(0.01)
async def one(pool, i):
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(pool, fetch, i)
    await loop.run_in_executor(pool, store, i)
    spin(1)
async def main():
    with ThreadPoolExecutor(3) as pool:
        await asyncio.gather(*(one(pool, i) for i in range(24)))
asyncio.run(main())
print("took %.4f" % (time.perf_counter() - start))
`
	_, res, status, out := recordProgram(t, prog)
	if status != 0 {
		t.Fatalf("status %d: %s", status, out)
	}
	w := parse(t, res)
	if len(w.Groups) != 1 || w.Groups[0].Count != 24 {
		t.Fatalf("want one group of 24 tasks:\n%s", res.YAML)
	}
	var shape []string
	for _, s := range w.Groups[0].Steps {
		k := map[workload.StepKind]string{workload.Work: "work", workload.Wait: "wait"}[s.Kind]
		if s.Offload == workload.OffloadThread {
			k = "offloaded " + k
		} else if s.Kind == workload.Work && mean(s.Dur) < 500_000 {
			k = "loop"
		}
		shape = append(shape, k)
	}
	if want := []string{"loop", "offloaded work", "offloaded wait", "loop", "offloaded wait", "work"}; !slices.Equal(shape, want) {
		t.Errorf("steps %q, want %q:\n%s", shape, want, res.YAML)
	}
	if w.Models[0].Expr != "asyncio(executor=3)" {
		t.Errorf("first model %s (%s), want asyncio(executor=3)", w.Models[0].Expr, res.Summary.ModelWhy)
	}
	predictsTook(t, w, res, unrecorded(t, prog))
}

// TestRecordAsyncioJoins: a coroutine that starts 40 tasks and then
// waits for them one way or another (each in turn, asyncio.wait, as they
// complete, FIRST_COMPLETED in a loop, a TaskGroup) waits for its
// children, as gather does: no step of its own, so the workload predicts
// the program's time. (Until 2026-12-03 only its first suspension after
// starting them counted as a join; the rest were a wait of 250 ms after
// the children, and the prediction nearly twice the program's time.)
func TestRecordAsyncioJoins(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	const prog = timedSpin + `import asyncio, sys
async def fetch(sem, i):
    async with sem:
        spin(1)
        await asyncio.sleep(0.02 + 0.001 * (i % 7))
        spin(1)
async def main(mode):
    sem = asyncio.Semaphore(5)
    if mode == "taskgroup":
        async with asyncio.TaskGroup() as tg:
            for i in range(40):
                tg.create_task(fetch(sem, i))
        return
    tasks = [asyncio.create_task(fetch(sem, i)) for i in range(40)]
    if mode == "each":
        for t in tasks:
            await t
    elif mode == "wait":
        await asyncio.wait(tasks)
    elif mode == "as_completed":
        for f in asyncio.as_completed(tasks):
            await f
    elif mode == "first_completed":
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
asyncio.run(main(sys.argv[1]))
print("took %.4f" % (time.perf_counter() - start))
`
	for _, mode := range []string{"each", "wait", "as_completed", "first_completed", "taskgroup"} {
		t.Run(mode, func(t *testing.T) {
			rec, res, status, out := recordProgram(t, prog, mode)
			if old := []string{"3.8.", "3.9.", "3.10."}; mode == "taskgroup" && slices.ContainsFunc(old, func(v string) bool { return strings.HasPrefix(rec.Python, v) }) {
				t.Skipf("no TaskGroup before 3.11 (%s)", rec.Python)
			}
			if status != 0 {
				t.Fatalf("status %d: %s", status, out)
			}
			w := parse(t, res)
			for _, g := range w.Groups {
				for _, s := range g.Steps {
					if s.Kind == workload.Wait && mean(s.Dur) >= 1e6 {
						t.Errorf("%s waits %v in a step of its own, not for its children:\n%s", g.Name, s.Dur, res.YAML)
					}
				}
			}
			predictsTook(t, w, res, out)
		})
	}
}

// TestRecordAsyncioQueueWorkers: worker coroutines taking items from an
// asyncio.Queue that main() fills and joins, then cancels them: the items
// are tasks, the model asyncio with as many in flight as workers, and
// main()'s waits for room and for the items are no steps of its own.
func TestRecordAsyncioQueueWorkers(t *testing.T) {
	_, res, status, out := recordProgram(t, spin+`
import asyncio
async def worker(q):
    while True:
        item = await q.get()
        spin(2)
        await asyncio.sleep(0.02)
        q.task_done()
async def main():
    q = asyncio.Queue(maxsize=5)
    workers = [asyncio.create_task(worker(q)) for _ in range(4)]
    for i in range(24):
        spin(0.5)
        await q.put(i)
    await q.join()
    for w in workers:
        w.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
asyncio.run(main())
`)
	if status != 0 {
		t.Fatalf("status %d: %s", status, out)
	}
	w := parse(t, res)
	items := groupNamed(w, "worker")
	if items == nil || items.Count != 24 || kinds(items.Steps) != "wi" {
		t.Fatalf("want a group worker × 24 of a spin and a sleep:\n%s", res.YAML)
	}
	if w.Models[0].Expr != "asyncio(limit=4)" {
		t.Errorf("first model %s, want asyncio(limit=4)", w.Models[0].Expr)
	}
	// Its puts waited for room about 150 ms in all, its join the run's
	// length: neither is a step (the end of the workers' cancel is
	// a wait of some 100 µs).
	for _, g := range w.Groups {
		for _, s := range g.Steps {
			if g.Name == "main" && s.Kind == workload.Wait && mean(s.Dur) >= 1e6 {
				t.Errorf("main() waits %v in a step of its own:\n%s", s.Dur, res.YAML)
			}
		}
	}
}

// TestRecordMultiprocessingProcess: each multiprocessing.Process of the
// program's (a target, or a subclass's run) is a task, recorded in its own
// process and joined to the main program by its process id: the model is
// processes(N) of as many as ran at once, with their start method, and it
// predicts the program's time. The standard library's processes (a
// multiprocessing.Pool's workers) are none. (Until 2026-12-03 the
// recorder saw nothing of such a program: "the program did nothing
// conclab can see".)
func TestRecordMultiprocessingProcess(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	const prog = timedSpin + `import sys, multiprocessing as mp
def worker(i):
    for _ in range(4):
        spin(20)
        time.sleep(0.01)
class Worker(mp.Process):
    def run(self):
        worker(0)
if __name__ == "__main__":
    ctx = mp.get_context(sys.argv[1])
    ps = [ctx.Process(target=worker, args=(i,)) for i in range(3)]
    if sys.argv[1] == "fork":
        ps.append(Worker())
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    print("took %.4f" % (time.perf_counter() - start))
`
	for _, tt := range []struct{ method, model string }{
		{"fork", "processes(4)"},
		{"spawn", "processes(3, start=spawn)"},
	} {
		t.Run(tt.method, func(t *testing.T) {
			rec, res, status, out := recordProgram(t, prog, tt.method)
			if status != 0 {
				t.Fatalf("status %d: %s", status, out)
			}
			w := parse(t, res)
			n := 0
			for _, g := range w.Groups {
				if g.Name != "worker" && g.Name != "Worker" || !strings.HasPrefix(kinds(g.Steps), "repeat") {
					t.Errorf("group %s of %s, want worker's 4 rounds of a spin and a sleep:\n%s", g.Name, kinds(g.Steps), res.YAML)
				}
				n += g.Count
			}
			if want := map[string]int{"fork": 4, "spawn": 3}[tt.method]; n != want {
				t.Errorf("%d tasks, want %d processes:\n%s", n, want, res.YAML)
			}
			if w.Models[0].Expr != tt.model || !strings.Contains(res.Summary.ModelWhy, "multiprocessing.Process") {
				t.Errorf("first model %s (%s), want %s", w.Models[0].Expr, res.Summary.ModelWhy, tt.model)
			}
			// The program as it runs unrecorded (its children write no
			// recording), the median of three; predicted with what
			// starting a spawned process costs on this machine (an
			// interpreter's start-up: 109–131 ms on the EPYC host of
			// 2026-12-03, 83 ms built in), and with what a fork took
			// here, the median of the parent's start() calls, which the
			// recording's "p" steps hold: 6–10 ms on 2026-12-03, 0.7–1.1 ms
			// on 2026-12-04, when the built-in 8 ms predicted +15 %.
			// (calibrate's 21–42 ms is a ProcessPoolExecutor's first
			// result, its queues and threads included, and predicted 30 %
			// long.)
			// A spawn's start-up moves with the VM's pace (60 and 82 ms
			// minutes apart on 2026-12-04, the program 0.238 and 0.240 s,
			// +6.6 % and +19 %): a miss is measured again, once.
			for attempt := 1; ; attempt++ {
				d := predictProcesses(t, rec, w, res, prog, tt.method, tt.model)
				if d <= 0.15 && d >= -0.15 {
					break
				}
				if attempt == 2 {
					t.Errorf("off by more than 15 %% in two attempts:\n%s", res.YAML)
					break
				}
			}
		})
	}
}

// predictProcesses runs TestRecordMultiprocessingProcess's program
// unrecorded three times and returns how far from the median run its
// recording predicts it.
func predictProcesses(t *testing.T, rec *Recording, w *workload.Workload, res *Result, prog, method, model string) float64 {
	t.Helper()
	var runs []float64
	for range 3 {
		out := unrecorded(t, prog, method)
		var took float64
		if _, err := fmt.Sscanf(out, "took %f", &took); err != nil {
			t.Fatalf("the program said %q", out)
		}
		runs = append(runs, took)
	}
	slices.Sort(runs)
	p, err := plan.New(w, res.YAML, plan.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if method == "spawn" {
		p.Profile.ProcessSpawn = processSpawn(t)
	} else {
		var starts []int64
		for _, s := range rec.Tasks[rec.Main].Steps {
			if s.Kind == 'p' {
				starts = append(starts, s.NS)
			}
		}
		if len(starts) != 4 {
			t.Fatalf("the recording holds %d process starts, want 4", len(starts))
		}
		slices.Sort(starts)
		p.Profile.ProcessFork = starts[len(starts)/2]
		t.Logf("a fork took %.1f ms here (the median of 4)", float64(p.Profile.ProcessFork)/1e6)
	}
	r, err := sim.Run(context.Background(), sim.Config{Workload: w, Deployment: p.Models[0], Profile: p.Profile, Cores: p.Cores, SwitchInterval: p.SwitchInterval})
	if err != nil {
		t.Fatal(err)
	}
	d := float64(r.Makespan)/1e9/runs[1] - 1
	t.Logf("%s predicts %.3f s, the program took %.3f s (%+.1f%%; runs %.3f)", model, float64(r.Makespan)/1e9, runs[1], 100*d, runs)
	return d
}

// processSpawn is what starting a worker process with spawn costs on
// this machine, as calibrate measures it.
func processSpawn(t *testing.T) int64 {
	t.Helper()
	m, err := runtime.Calibrate(context.Background(), runtime.CalibrateOptions{Python: python(t), Runs: 3, Timeout: 2 * time.Minute,
		Only: []string{"ProcessSpawn"}})
	if err != nil {
		t.Fatal(err)
	}
	spawn := m.Onto(runtime.Profile{}).ProcessSpawn
	t.Logf("this machine starts a worker process with spawn in %.0f ms", float64(spawn)/1e6)
	return spawn
}

// TestRecordMultiprocessingPool: a multiprocessing.Pool's work items are
// tasks as a ProcessPoolExecutor's are: one per call of apply_async, one
// per chunk of map's items (the unit the pool sends a worker), with their
// pickled sizes and the workers' steps; a ThreadPool's are a thread
// pool's. The program sees its results and exceptions as it does
// unrecorded, and the pool's start-up (forking its workers before the
// first item) is not when the items were released: the model predicts it.
func TestRecordMultiprocessingPool(t *testing.T) {
	const prog = spin + `
import sys, multiprocessing as mp
from multiprocessing.pool import ThreadPool
def handle(data):
    spin(4)
    time.sleep(0.01)
    return data[:1000]
def pair(a, b):
    spin(2)
    return a + b
def bad(i):
    spin(1)
    if i == 3:
        raise ValueError("item %d is bad" % i)
    return i
if __name__ == "__main__":
    kind, ctx = sys.argv[1], mp.get_context(sys.argv[2])
    if kind == "thread":
        with ThreadPool(3) as pool:
            print(sum(len(r) for r in pool.map(handle, [b"y" * 2000] * 6)))
        sys.exit()
    with ctx.Pool(2) as pool:
        if kind == "map":
            print(sum(len(r) for r in pool.map(handle, [b"y" * 200000] * 16)))
        elif kind == "apply":
            print(sum(len(r.get()) for r in [pool.apply_async(handle, (b"y" * 200000,)) for _ in range(4)]))
        elif kind == "imap":
            print(sum(len(r) for r in pool.imap_unordered(handle, [b"y" * 200000] * 4)))
        elif kind == "starmap":
            print(sum(pool.starmap(pair, [(i, i) for i in range(4)], chunksize=1)))
        elif kind == "bad":
            try:
                pool.map(bad, range(6), chunksize=1)
            except ValueError:
                import traceback
                traceback.print_exc()
`
	for _, tt := range []struct {
		kind, start string
		tasks       int    // work items: calls, or chunks of map's items
		count       int    // items in all, as the program printed
		model       string // the first model
		steps       string
	}{
		// 16 items on 2 workers: chunks of 2 (16 / (4 × 2)).
		{"map", "fork", 8, 16000, "processes(2)", "wiwi"},
		{"map", "spawn", 8, 16000, "processes(2, start=spawn)", "wiwi"},
		{"apply", "fork", 4, 4000, "processes(2)", "wi"},
		{"imap", "fork", 4, 4000, "processes(2)", "wi"},
		{"starmap", "fork", 4, 12, "processes(2)", "w"},
		{"thread", "fork", 6, 6000, "threads(3)", "wi"},
	} {
		t.Run(tt.kind+"/"+tt.start, func(t *testing.T) {
			rec, res, status, out := recordProgram(t, prog, tt.kind, tt.start)
			if status != 0 || !strings.Contains(out, strconv.Itoa(tt.count)+"\n") {
				t.Fatalf("status %d, output %q", status, out)
			}
			w := parse(t, res)
			if w.NumTasks() != tt.tasks || len(w.Groups) != 1 || kinds(w.Groups[0].Steps) != tt.steps {
				t.Fatalf("want %d work items (%s), got:\n%s", tt.tasks, tt.steps, res.YAML)
			}
			if w.Models[0].Expr != tt.model {
				t.Errorf("first model %s, want %s", w.Models[0].Expr, tt.model)
			}
			g := w.Groups[0]
			if tt.kind == "apply" || tt.kind == "imap" {
				if g.Input < 200000 || g.Input > 201000 || g.Output < 1000 || g.Output > 1100 {
					t.Errorf("input %d output %d bytes, want 200 KB and 1 KB", g.Input, g.Output)
				}
			}
			if tt.kind == "map" && (g.Input < 400000 || g.Input > 402000) {
				t.Errorf("input %d bytes, want a chunk's two items of 200 KB", g.Input)
			}
			class := "multiprocessing.Pool(processes=2)"
			if tt.kind == "thread" {
				class = "multiprocessing.pool.ThreadPool(processes=3)"
			}
			if !strings.Contains(string(res.YAML), class+" made at") {
				t.Errorf("the file does not say where the pool came from (%s):\n%s", class, res.YAML)
			}
			// Released before the pool forked its workers: that start-up
			// is the model's to predict.
			if tt.kind != "thread" {
				main := &rec.Tasks[rec.Main]
				var forks int64
				for _, s := range main.Steps {
					if s.Kind == 'p' {
						forks += s.NS
					}
				}
				first := int64(math.MaxInt64)
				for _, task := range rec.Tasks {
					if task.Kind == "process" {
						first = min(first, task.Start-main.Start)
					}
				}
				if forks <= 0 || g.Start > first-forks+1_000_000 {
					t.Errorf("released %.1f ms after the program began, the first item made at %.1f ms after %.1f ms of starting threads and processes",
						float64(g.Start)/1e6, float64(first)/1e6, float64(forks)/1e6)
				}
			}
		})
	}
	// Pool.terminate() (the end of a with block) stops idle workers with
	// SIGTERM: a worker keeps its default action, not the recorder's
	// handler, which can run too late for a worker about to block on its
	// queue's lock (a CI run waited for one for 10 minutes).
	t.Run("workers die of SIGTERM", func(t *testing.T) {
		_, _, status, out := recordProgram(t, `
import multiprocessing as mp, signal, sys
if __name__ == "__main__":
    print("main:", signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)
    with mp.get_context("fork").Pool(2) as pool:
        print("worker:", pool.apply(signal.getsignal, (signal.SIGTERM,)) == signal.SIG_DFL)
`)
		if status != 0 || !strings.Contains(out, "main: False") || !strings.Contains(out, "worker: True") {
			t.Errorf("status %d, output %q: want the recorder's handler in the program and the default in its workers", status, out)
		}
	})
	t.Run("raises", func(t *testing.T) {
		rec, _, status, out := recordProgram(t, prog, "bad", "fork")
		if status != 0 || !strings.Contains(out, "ValueError: item 3 is bad") || !strings.Contains(out, "in mapstar") ||
			strings.Contains(out, "conclab_recorder") {
			t.Fatalf("status %d, output %q: want the pool's own traceback of the item, without the recorder's frames", status, out)
		}
		var failed int
		for _, task := range rec.Tasks {
			if task.Kind == "process" && task.Error != nil && *task.Error == "ValueError" {
				failed++
			}
		}
		if failed != 1 {
			t.Errorf("%d work items recorded as raising ValueError, want 1", failed)
		}
	})
}

// phasesProg fetches 12 pages (a 20 ms sleep, then 5 ms of CPU each),
// computes 15 ms, then parses them (8 ms of CPU, then a 10 ms sleep
// each): in sync, one after another; in threads, through a
// ThreadPoolExecutor(4)'s map.
const phasesProg = timedSpin + `import sys
from concurrent.futures import ThreadPoolExecutor
def fetch(i):
    time.sleep(0.02)
    spin(5)
def parse(i):
    spin(8)
    time.sleep(0.01)
def main():
    if sys.argv[1] == "sync":
        pages = [fetch(i) for i in range(12)]
        spin(15)
        done = [parse(i) for i in range(12)]
    else:
        with ThreadPoolExecutor(4) as pool:
            pages = list(pool.map(fetch, range(12)))
            spin(15)
            done = list(pool.map(parse, range(12)))
    print("took %.4f" % (time.perf_counter() - start))
main()
`

// TestRecordPhases: a program that fetches every page, then parses every
// page, runs in two phases. Recorded from its sync variant the parses are
// a group after the fetches, released once the last fetch ended and the
// main program's 15 ms between; predicted under threads(4) that gives the
// threads variant's time. (Before, the sync recording held the fetches
// alone, and a threads recording released the parses at the time they
// were submitted, whatever the model made of the fetches.)
func TestRecordPhases(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	prog := phasesProg
	for _, variant := range []string{"sync", "threads"} {
		t.Run(variant, func(t *testing.T) {
			_, res, status, _ := recordProgram(t, prog, variant)
			if status != 0 {
				t.Fatalf("status %d", status)
			}
			w := parse(t, res)
			if len(w.Groups) != 2 || w.Groups[0].Name != "fetch" || w.Groups[1].Name != "parse" ||
				w.Groups[0].Count != 12 || w.Groups[1].Count != 12 {
				t.Fatalf("want fetch × 12 and parse × 12, got:\n%s", res.YAML)
			}
			if !slices.ContainsFunc(res.Summary.Findings, func(f string) bool {
				return strings.HasPrefix(f, "the program ran in 2 phases, each started once the one before had ended: fetch (12), then parse (12)")
			}) {
				t.Errorf("no finding says the program ran in two phases: %q", res.Summary.Findings)
			}
			if why := res.Summary.ModelWhy; variant == "sync" && why != "the program's own: it calls fetch, then parse, once per item, one after another" {
				t.Errorf("the model's reason: %q", why)
			}
			if p := w.Groups[1]; !slices.Equal(p.After, []int{0}) || p.Start < 10e6 || p.Start > 40e6 {
				t.Errorf("parse is after %v from %.1f ms, want after fetch, from about 15 ms (the main program's CPU between):\n%s",
					p.After, float64(p.Start)/1e6, res.YAML)
			}
			predictsTook(t, w, res, unrecorded(t, prog, variant))
			if variant == "sync" {
				// What the sync program would take as the threads variant:
				// 0.245 s against 0.219–0.224 (+10 %), the fetches' CPU
				// before their sleep (the recording cannot tell where in
				// the call a unit's CPU between two boundaries was), 0.220
				// from the threads recording.
				w.Models = []workload.Model{{Expr: "threads(4)"}}
				predictsTook(t, w, res, unrecorded(t, prog, "threads"))
			}
		})
	}
}

// TestRecordPhasesMonitored: on CPython 3.12 and newer the recorder sees
// each call of a function it met at a boundary begin and return
// (sys.monitoring), so a sync unit's CPU is placed where it ran: fetch
// sleeps, then computes, where 3.11's recording (TestRecordPhases) has
// it compute first, the next call's CPU at the head of each call. The
// sync recording then predicts the ThreadPoolExecutor(4) variant within
// 10 % (3.11's: +10 %, 0.245 s against 0.219–0.224). Run with the newest
// pyenv CPython 3.12 or later.
func TestRecordPhasesMonitored(t *testing.T) {
	home, _ := os.UserHomeDir()
	var py string
	for _, release := range []string{"3.13", "3.12"} {
		found, _ := filepath.Glob(filepath.Join(home, ".pyenv", "versions", release+".*", "bin", "python"+release))
		if len(found) > 0 {
			py = found[len(found)-1]
			break
		}
	}
	if py == "" {
		testtool.Missing(t, "no pyenv CPython 3.12 or 3.13 here")
	}
	testtool.WallClock(t) // measures real CPython: one such test at a time
	_, res, status, out := recordWith(t, py, phasesProg, "sync")
	if status != 0 {
		t.Fatalf("status %d: %s", status, out)
	}
	w := parse(t, res)
	if len(w.Groups) != 2 || w.Groups[0].Name != "fetch" || w.Groups[1].Name != "parse" {
		t.Fatalf("want fetch and parse, got:\n%s", res.YAML)
	}
	if f, p := kinds(w.Groups[0].Steps), kinds(w.Groups[1].Steps); f != "iw" || p != "wi" {
		t.Errorf("fetch %s and parse %s, want a sleep then CPU (iw) and CPU then a sleep (wi):\n%s", f, p, res.YAML)
	}
	var took float64
	threads := unrecordedWith(t, py, phasesProg, "threads")
	if _, err := fmt.Sscanf(threads[strings.Index(threads, "took "):], "took %f", &took); err != nil {
		t.Fatalf("the threads variant said %q", threads)
	}
	w.Models = []workload.Model{{Expr: "threads(4)"}}
	r := predictFirst(t, w, res.YAML)
	d := float64(r.Makespan)/1e9/took - 1
	t.Logf("%s: the sync recording predicts threads(4) at %.3f s, the threads variant took %.3f s (%+.1f%%)", py, float64(r.Makespan)/1e9, took, 100*d)
	if d > 0.10 || d < -0.10 {
		t.Errorf("threads(4) predicted %.3f s from the sync recording, the threads variant took %.3f s (%+.0f%%; want within 10%%):\n%s",
			float64(r.Makespan)/1e9, took, 100*d, res.YAML)
	}
}

// sqlite3 releases the GIL in each step of a statement, and a GROUP BY's
// rows come out of its sorter in the fetches after execute: the program's
// conn.execute(...).fetchall() is all sqlite's C code. From 3.10 on,
// Connection.execute makes its cursor in C, and its fetchall was recorded
// as Python code: the corpus's sqlite job had 2.6 ms of GIL-held work per
// item that was sqlite's sorting, serialized under the GIL in every
// prediction. The program's own use of the rows (a Row factory, the
// connection as a context manager) is unchanged.
func TestRecordSqliteFetches(t *testing.T) {
	_, res, status, out := recordProgram(t, `import os, sqlite3, tempfile
def setup(path):
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (k INTEGER, g INTEGER, v REAL)")
        conn.executemany("INSERT INTO t VALUES (?, ?, ?)", ((i, (i * 7919) % 5003, (i * 31) % 97 * 1.5) for i in range(200000)))
def handle(path, i):
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    with conn:
        rows = conn.execute("SELECT g, COUNT(*) AS n, SUM(v) FROM t WHERE k % 8 != ? GROUP BY g ORDER BY g", (i,)).fetchall()
    conn.close()
    return rows[0]["n"], len(rows)
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "t.db")
    setup(path)
    print([handle(path, i) for i in range(5)])
`)
	if status != 0 || !strings.Contains(out, "[(35, 5003), (35, 5003)") {
		t.Fatalf("the program ran differently under the recorder (status %d):\n%s", status, out)
	}
	w := parse(t, res)
	handle := groupNamed(w, "handle")
	if handle == nil || handle.Count != 5 {
		t.Fatalf("want the 5 calls of handle as one group:\n%s", res.YAML)
	}
	var held, released float64
	for _, s := range handle.Steps {
		if s.Kind == workload.Work && s.GILReleased {
			released += mean(s.Dur)
		} else if s.Kind == workload.Work {
			held += mean(s.Dur)
		}
	}
	// The recorder sees the calls, not what runs inside them: a fetch's
	// making of the rows' Python objects, with the GIL held, counts as
	// released with sqlite's stepping around it (here 0.3 ms held, 45 ms
	// released; before, 13 ms held of sqlite's sorting).
	if !(released > 2*held) || !bytes.Contains(res.YAML, []byte("sqlite3.fetchall")) {
		t.Errorf("handle: %.2f ms GIL-held, %.2f ms released; want the fetches' sorting released, and named:\n%s",
			held/1e6, released/1e6, res.YAML)
	}
}

// TestRecordMainModule: a worker process started with spawn runs the
// program's main module again before its first task (multiprocessing
// runs it as __mp_main__), and a program whose module-level code takes
// 150 ms of CPU (imports, set-up) starts each such worker that much
// later. The recorder times it in each worker (main_module), and the
// prediction holds it; a forked worker does not run it, and its
// recording has none.
func TestRecordMainModule(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	const prog = timedSpin + `spin(150)  # the module's own set-up, run again by each spawned worker
import sys, concurrent.futures as cf, multiprocessing as mp
def task(i):
    spin(30)
    return i
if __name__ == "__main__":
    with cf.ProcessPoolExecutor(2, mp_context=mp.get_context(sys.argv[1])) as ex:
        list(ex.map(task, range(4)))
    print("took %.4f" % (time.perf_counter() - start))
`
	rec, res, status, out := recordProgram(t, prog, "fork")
	if status != 0 {
		t.Fatalf("fork: status %d: %s", status, out)
	}
	if w := parse(t, res); w.MainModule != 0 || len(rec.MainModules) != 0 {
		t.Errorf("forked workers ran the main module again (%v):\n%s", rec.MainModules, res.YAML)
	}
	rec, res, status, out = recordProgram(t, prog, "spawn")
	if status != 0 {
		t.Fatalf("spawn: status %d: %s", status, out)
	}
	w := parse(t, res)
	if len(rec.MainModules) != 2 || w.MainModule < 140_000_000 || w.MainModule > 200_000_000 {
		t.Fatalf("main_module %s from %v, want about 150ms from each of 2 workers:\n%s",
			workload.FormatDuration(w.MainModule), rec.MainModules, res.YAML)
	}
	if !slices.ContainsFunc(res.Summary.Notes, func(n string) bool { return strings.Contains(n, "main module again") }) {
		t.Errorf("the summary does not say the workers ran the main module again: %q", res.Summary.Notes)
	}
	// Predicted with this machine's spawn and resource tracker start-ups,
	// against the median of three unrecorded runs; without main_module
	// the prediction is 150 ms, about a third, short. A spawn's start-up
	// moves with the VM's pace, minutes apart: a miss is measured again,
	// once.
	p, err := plan.New(w, res.YAML, plan.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		m, err := runtime.Calibrate(context.Background(), runtime.CalibrateOptions{Python: python(t), Runs: 3, Timeout: 2 * time.Minute,
			Only: []string{"ProcessSpawn", "ResourceTracker"}})
		if err != nil {
			t.Fatal(err)
		}
		var runs []float64
		for range 3 {
			out := unrecorded(t, prog, "spawn")
			var took float64
			if _, err := fmt.Sscanf(out, "took %f", &took); err != nil {
				t.Fatalf("the program said %q", out)
			}
			runs = append(runs, took)
		}
		slices.Sort(runs)
		prof := m.Onto(p.Profile)
		r, err := sim.Run(context.Background(), sim.Config{Workload: w, Deployment: p.Models[0], Profile: prof, Cores: p.Cores, SwitchInterval: p.SwitchInterval})
		if err != nil {
			t.Fatal(err)
		}
		d := float64(r.Makespan)/1e9/runs[1] - 1
		t.Logf("%s predicts %.3f s with a spawn of %.0f ms, the program took %.3f s (%+.1f%%; runs %.3f); main_module %s",
			p.Models[0], float64(r.Makespan)/1e9, float64(prof.ProcessSpawn)/1e6, runs[1], 100*d, runs, workload.FormatDuration(w.MainModule))
		if d <= 0.15 && d >= -0.15 {
			break
		}
		if attempt == 2 {
			t.Errorf("off by more than 15 %% in two attempts:\n%s", res.YAML)
			break
		}
	}
}

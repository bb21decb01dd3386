package truth

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/machine"
	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// smallServer is the CI load: 2 s of Poisson arrivals at 25/s, each
// request 2 ms of Python and a 20 ms wait (sync is busy about 55 % of the
// time, so no model is overloaded).
const smallServer = `
name: small-server
arrivals: {rate: 25/s, for: 2s}
tasks:
  - name: req
    steps: [{work: 2ms}, {wait: 20ms}]
`

func serverProgram(t *testing.T, wl *workload.Workload, d model.Deployment, reqs []Request) []byte {
	t.Helper()
	var prog bytes.Buffer
	if err := ExportServer(&prog, wl, d, reqs, ExportOptions{Cores: 2}); err != nil {
		t.Fatal(err)
	}
	return prog.Bytes()
}

// TestServerAgreesWithPrediction: a real server's p50, p99 and throughput
// are near the simulator's, within a tolerance generous enough for a
// loaded 2-core machine (p50 within 50 % or 10 ms, p99 within 50 % or
// 20 ms, throughput within 20 %), with one retry; misses in tries that
// both ran on a busy machine are inconclusive, logged.
func TestServerAgreesWithPrediction(t *testing.T) {
	serverAgrees(t, smallServer, "sync", "threads(4)", "asyncio")
}

// shapedServer is an open workload with the shapes of SPEC §1.1: half the
// requests (a choose) hold one of 2 connections for 30 ms, each request
// then gathers two 10 ms calls; the connections are 45 % used.
const shapedServer = `
name: shaped-server
resources: {db: {capacity: 2}}
arrivals: {rate: 60/s, for: 2s}
tasks:
  - name: req
    steps:
      - work: 1ms
      - choose:
          - {weight: 50, steps: [{work: 200us}]}
          - {weight: 50, steps: [{use: db, steps: [{wait: 30ms}]}]}
      - gather:
          - {count: 2, steps: [{wait: 10ms}]}
`

// TestServerShapesAgreeWithPrediction: the exported servers serve
// resources, gathers and chooses as the simulation runs them (a thread
// per connection and per branch, a pool with a second one for branches,
// an event loop, two worker processes with a connection pool each), to
// TestServerAgreesWithPrediction's tolerance.
func TestServerShapesAgreeWithPrediction(t *testing.T) {
	serverAgrees(t, shapedServer, "threads", "threads(8, fanout=8)", "asyncio", "processes(2)*threads(4, fanout=4)")
}

// serverAgrees runs the open workload text's standard-library server under
// each model and compares it with the prediction.
func serverAgrees(t *testing.T, text string, models ...string) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	py := needPython(t)
	wl, err := workload.Parse("server.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := Requests(wl, 0)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := runtime.Builtin("cpython")
	if err != nil {
		t.Fatal(err)
	}
	cores := min(goruntime.NumCPU(), workload.MaxCores)
	for _, expr := range models {
		t.Run(expr, func(t *testing.T) {
			d, err := model.Parse(expr)
			if err != nil {
				t.Fatal(err)
			}
			pred, err := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: cores, SwitchInterval: 5e6})
			if err != nil {
				t.Fatal(err)
			}
			if pred.Deadlock != nil {
				t.Fatalf("the prediction deadlocked: %+v", pred.Deadlock)
			}
			prog := serverProgram(t, wl, d, reqs)
			var why string
			busy := true
			for try := 1; try <= 2; try++ {
				var m *LoadResult
				loaded, u := machine.BusyDuring(func() {
					m, err = CheckServer(context.Background(), py, prog, reqs,
						ServerOptions{Load: LoadOptions{Window: wl.Arrivals.For}, Timeout: time.Minute})
				})
				if err != nil {
					t.Fatal(err)
				}
				if loaded {
					t.Logf("try %d ran on a busy machine (%s)", try, u)
				} else {
					busy = false
				}
				t.Logf("try %d: p50 %.1f ms (predicted %.1f), p99 %.1f ms (predicted %.1f), throughput %.1f/s (predicted %.1f), %d ok, %d failed",
					try, float64(m.P50)/1e6, float64(pred.Latency.P50)/1e6, float64(m.P99)/1e6, float64(pred.Latency.P99)/1e6,
					m.Throughput, pred.Throughput, m.OK, m.Errors)
				why = ""
				if m.Errors > 0 {
					why = fmt.Sprintf("%d failed requests: %s", m.Errors, m.FirstErr)
				}
				if dp := math.Abs(float64(m.P50 - pred.Latency.P50)); dp > 10e6 && dp > 0.5*float64(pred.Latency.P50) {
					why += fmt.Sprintf("; p50 %d ns, predicted %d ns", m.P50, pred.Latency.P50)
				}
				if dp := math.Abs(float64(m.P99 - pred.Latency.P99)); dp > 20e6 && dp > 0.5*float64(pred.Latency.P99) {
					why += fmt.Sprintf("; p99 %d ns, predicted %d ns", m.P99, pred.Latency.P99)
				}
				if math.Abs(m.Throughput-pred.Throughput) > 0.2*pred.Throughput {
					why += fmt.Sprintf("; throughput %.1f/s, predicted %.1f/s", m.Throughput, pred.Throughput)
				}
				if why == "" {
					return
				}
			}
			if busy {
				t.Logf("inconclusive, every try on a busy machine: %s", why)
				return
			}
			t.Fatal(why)
		})
	}
}

// TestServerLeavesNoProcess: every process a check starts, forked workers
// and pool processes included, is gone when CheckServer returns, after a
// full load and after a cancelled one.
func TestServerLeavesNoProcess(t *testing.T) {
	py := needPython(t)
	wl, err := workload.Parse("small.yaml", []byte(`
name: leak
arrivals: {rate: 40/s, count: 20}
tasks:
  - name: req
    steps: [{work: 1ms}, {wait: 200ms, offload: process}]
`))
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := Requests(wl, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		model  string
		cancel time.Duration // 0: run to the end
	}{
		{"processes(2)*asyncio", 0},
		{"processes(2)*threads(2)", 300 * time.Millisecond},
		{"asyncio", 200 * time.Millisecond},
	} {
		t.Run(tt.model, func(t *testing.T) {
			d, err := model.Parse(tt.model)
			if err != nil {
				t.Fatal(err)
			}
			marker := fmt.Sprintf("CONCLAB_TEST_MARKER=%d-%d", os.Getpid(), time.Now().UnixNano())
			ctx := context.Background()
			if tt.cancel > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.cancel)
				defer cancel()
			}
			_, err = CheckServer(ctx, py, serverProgram(t, wl, d, reqs), reqs,
				ServerOptions{Timeout: time.Minute, Env: []string{marker}})
			if tt.cancel == 0 && err != nil {
				t.Fatal(err)
			}
			if tt.cancel > 0 && err == nil {
				t.Fatal("a cancelled check returned no error")
			}
			if left := withEnv(t, marker); len(left) > 0 {
				t.Fatalf("processes left running: %v", left)
			}
		})
	}
}

// withEnv lists the processes whose environment holds entry.
func withEnv(t *testing.T, entry string) []string {
	t.Helper()
	envs, err := filepath.Glob("/proc/[0-9]*/environ")
	if err != nil || len(envs) == 0 {
		t.Skip("no /proc to scan")
	}
	var found []string
	for _, f := range envs {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // gone, or not ours to read
		}
		for _, e := range strings.Split(string(data), "\x00") {
			if e == entry {
				found = append(found, filepath.Base(filepath.Dir(f)))
			}
		}
	}
	return found
}

// TestServerProgramIsData: names and durations reach the program only as
// data, and the program is valid Python for every model.
func TestServerProgramIsData(t *testing.T) {
	py := needPython(t)
	wl, err := workload.Parse("x.yaml", []byte(`
name: "evil ''' \"\"\" \\ name"
arrivals: {rate: 10/s, count: 3}
tasks:
  - name: "a''') + __import__(\"os\")"
    steps: [{work: 1ms}, {wait: 1ms, offload: thread}]
`))
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := Requests(wl, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, expr := range []string{"sync", "threads", "threads(3)", "asyncio(limit=2)", "processes(2)", "processes(2)*threads(2)", "processes(2)*asyncio"} {
		d, err := model.Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "server.py")
		if err := os.WriteFile(file, serverProgram(t, wl, d, reqs), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(py, "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", file).CombinedOutput()
		if err != nil {
			t.Errorf("%s: not valid Python: %v %s", expr, err, out)
		}
	}
}

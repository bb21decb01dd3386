package sim

import (
	"fmt"
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

// The simulate fuzz targets parse a workload and run it under every model
// on every runtime that runs it, checking the engine's invariants (checkRun):
// every task ends, after its release; no time is negative; the CPU consumed
// is the work plus the costs and never more than the cores give; at most
// one GIL holder per process; the same input gives the same output.

// fuzzSteps bounds the steps a fuzzed workload may take, so that every
// input runs in milliseconds under all models.
const fuzzSteps = 2000

// fuzzProfiles are the runtimes a fuzzed workload runs on: the built-in
// ones and one whose every cost is non-zero.
func fuzzProfiles(t testing.TB) []runtime.Profile {
	var ps []runtime.Profile
	for _, name := range runtime.Names() {
		ps = append(ps, builtin(t, name))
	}
	return append(ps, costly("costly", true, 1.3))
}

// simulateAll runs wl under every model on every runtime that runs it.
func simulateAll(t *testing.T, wl *workload.Workload, cores int, si int64) {
	if wl.Cores > 0 {
		cores = wl.Cores
	}
	if wl.SwitchInterval > 0 {
		si = wl.SwitchInterval
	}
	// Each switch interval of CPU work can be a forced GIL switch, and a
	// span for each thread: bound those too.
	// (the mean work, four times over, for long draws of exp and lognormal).
	if wl.Steps() > fuzzSteps || 4*wl.PythonWork()/float64(si) > fuzzSteps {
		return // too large to simulate in a fuzz run
	}
	models := append([]string{"threads", "asyncio(eager)", "threads(2, fanout=3)", "processes(2)*threads(1, fanout=2)"}, randomModels...)
	for _, prof := range fuzzProfiles(t) {
		for _, m := range models {
			d := deployment(t, m)
			if model.Check(d, prof.Name, prof.Asyncio, prof.Processes) != nil {
				continue
			}
			checkRun(t, fmt.Sprintf("%s on %s, %d cores", m, prof.Name, cores), wl, d, prof, cores, si)
			if t.Failed() {
				t.FailNow()
			}
		}
	}
}

func FuzzSimulateInline(f *testing.F) {
	for _, s := range []string{
		"2 x [wait 0s]", // a zero-length task used to crash the engine
		"100 x [work normal(2ms, 1ms)]",
		"3 x [wait 2s]",
		"2 x [work 1s]",
		"cores=2; io: [repeat 20 [wait 500us]]; cpu: [work 30ms]",
		"A: [work 5ms, wait 120ms, wait 30ms blocking offload thread]; B: [work 40ms released]",
		"10 x fetch: [work 5ms, wait exp(100ms), wait uniform(10ms, 30ms)] every 10ms start 1s",
		"4 x [work 2ms offload process, wait 1ms blocking, work 0s released]",
		"switch=1ms; 3 x [repeat 5 [work lognormal(1ms, 2ms), wait 0s]]",
		"res db=2; 6 x [work 1ms, use db [wait 5ms], gather [3 x [wait exp(3ms)], [work 1ms]]]",
		"res a=1; res b=1 global; A: [use a [wait 10ms, use b [wait 1ms]]]; B: [use b [wait 10ms, use a [wait 1ms]]]",
		"4 x [choose [9: [work 50us], 1: [wait 4ms blocking]], gather [2x [gather [2x [wait 1ms]]]]]",
		"3 x [work 2ms, work 1ms offload process input 100KB output 1KB] input 1MB output 10KB",
		"3 x a: [wait 2ms, work 1ms]; b: [wait 1ms]; 2 x c: [work 1ms] after a, b start 1ms every 1ms; d: [wait 0s] after c",
		"res l=1; a: [use l [wait 5ms, use l [wait 1ms]]]; b: [work 1ms] after a",
		"res lock=1; [use lock [gather [[use lock [wait 1ms]]]]]",
	} {
		f.Add(s, uint8(2), uint8(5))
	}
	f.Fuzz(func(t *testing.T, expr string, cores, siMs uint8) {
		wl, err := workload.ParseInline(expr)
		if err != nil {
			return
		}
		simulateAll(t, wl, 1+int(cores)%8, (1+int64(siMs)%20)*ms)
	})
}

func FuzzSimulateYAML(f *testing.F) {
	for _, s := range []string{
		"tasks: [{count: 2, steps: [{wait: 0s}]}]",
		"cores: 2\ntasks: [{name: a, count: 3, every: 1ms, steps: [{work: 2ms}, {wait: 5ms, blocking: true}]}]",
		"arrivals: {rate: 200/s, count: 40}\ntasks: [{weight: 2, steps: [{wait: exp(50ms)}]}, {name: cpu, steps: [{work: exp(2ms)}]}]",
		"arrivals: {rate: 500/s, for: 50ms, pattern: uniform}\ntasks: [{steps: [{work: 0s}, {wait: 0s}]}]",
		"tasks: [{steps: [{repeat: 4, steps: [{work: 1ms, gil: released}, {wait: 1ms, offload: thread, blocking: true}]}]}]",
		"resources: {db: {capacity: 2}}\ntasks: [{count: 5, steps: [{work: 1ms}, {use: db, steps: [{wait: 5ms}]}]}]",
		"resources: {a: {capacity: 1}, b: {capacity: 1, scope: global}}\ntasks: [{name: A, steps: [{use: a, steps: [{wait: 1ms}, {use: b, steps: [{work: 1ms}]}]}]}, {name: B, steps: [{use: b, steps: [{wait: 1ms}, {use: a, steps: [{work: 1ms}]}]}]}]",
		"tasks: [{count: 2, steps: [{gather: [{count: 2, steps: [{wait: 10ms}]}, {steps: [{work: 1ms}, {gather: [{count: 3, steps: [{wait: exp(1ms)}]}]}]}]}]}]",
		"tasks: [{count: 3, steps: [{choose: [{weight: 9, steps: [{work: 50us}]}, {weight: 1, steps: [{wait: 4ms, blocking: true}]}]}]}]",
		"resources: {lock: {capacity: 1}}\ntasks: [{steps: [{use: lock, steps: [{gather: [{steps: [{use: lock, steps: [{wait: 1ms}]}]}]}]}]}]",
		"tasks: [{count: 2, input: 1MB, output: 10KB, steps: [{work: 2ms}, {work: 1ms, offload: process, input: 100KB, output: 1KB}]}]",
	} {
		f.Add([]byte(s), uint8(1), uint8(5))
	}
	f.Fuzz(func(t *testing.T, data []byte, cores, siMs uint8) {
		wl, err := workload.Parse("f.yaml", data)
		if err != nil {
			return
		}
		simulateAll(t, wl, 1+int(cores)%8, (1+int64(siMs)%20)*ms)
	})
}

package main

import (
	"strings"
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/truth"

	"github.com/conclab/conclab/internal/machine"
)

// busyChecks are two models as truth.Check reports them from a machine
// whose other processes were busy: sync missed on a quiet machine,
// processes(2) missed after busy runs.
func busyChecks(t *testing.T) []checked {
	t.Helper()
	run := func(ms int64, err float64, others float64, used bool) truth.Run {
		l := truth.Load{Known: true, During: machine.Usage{CPUs: 2, Others: others, Ours: 1}}
		l.Crowded = l.During.Busy(machine.DefaultLimits)
		l.Busy = l.Crowded
		return truth.Run{Makespan: ms * 1e6, Error: err, Load: l, Used: used}
	}
	sync, _ := model.Parse("sync")
	procs, _ := model.Parse("processes(2)")
	return []checked{
		{model: sync, cmp: truth.Comparison{Makespan: 0.2}, verdict: truth.Beyond,
			runs:   []truth.Run{run(2400, 0.2, 0.05, true), run(2410, 0.205, 0.1, true), run(2390, 0.195, 0.02, true)},
			spread: truth.Spread{Min: 2390e6, Max: 2410e6, MinErr: 0.195, MaxErr: 0.205}},
		{model: procs, cmp: truth.Comparison{Makespan: 0.17}, verdict: truth.Inconclusive, busy: true,
			runs: []truth.Run{run(1100, 0.09, 0.02, true), run(1300, 0.28, 0.9, true), run(1180, 0.17, 1.1, true),
				run(1250, 0.24, 1.2, false), run(1190, 0.18, 0.95, false)},
			spread: truth.Spread{Min: 1100e6, Max: 1300e6, MinErr: 0.09, MaxErr: 0.28}},
	}
}

// TestVerifyBusyWording: a miss on a quiet machine fails as a miss; one
// after busy runs says it is inconclusive, with how busy, and is not
// called a miss of the model.
func TestVerifyBusyWording(t *testing.T) {
	checks := busyChecks(t)
	err := verifyVerdict(checks, 0.1)
	want := "makespan beyond ±10% of the prediction: sync +20.0%; inconclusive, the machine was busy: processes(2) +17.0% (other processes used 1.1 of 2 cores during run 3); not counted as a miss of the model"
	if err == nil || !strings.Contains(err.Error(), want) || exitStatus(err, &strings.Builder{}, nil) != exitFailure {
		t.Errorf("verdict: %v\nwant %q and exit status 1", err, want)
	}
	if err := verifyVerdict(checks[1:], 0.1); err == nil || strings.Contains(err.Error(), "beyond") ||
		!strings.HasPrefix(err.Error(), "inconclusive, the machine was busy: processes(2)") {
		t.Errorf("inconclusive alone: %v", err)
	}

	var b strings.Builder
	noiseText(&b, noise{known: true, limits: machine.DefaultLimits, speed: truth.DefaultSpeed}, checks, 0.1, 1000)
	for _, want := range []string{
		"processes(2): other processes used 0.9 of 2 cores during run 2, 1.1 during run 3, 1.2 during run 4 and 0.95 during run 5; 2 runs made again; the median is of runs 1, 2 and 3, 2 of them busy: inconclusive, not a miss of the model",
		"machine: quiet during every run of sync: other processes used at most 0.1 of 2 cores (busy: other processes used more than 0.25 of a core, steal above 0.1, or work off its measured speed by more than 15%).\nprocesses(2): ",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the note lacks %q:\n%s", want, b.String())
		}
	}

	b.Reset()
	noiseText(&b, noise{known: true, limits: machine.DefaultLimits, speed: truth.DefaultSpeed}, checks[1:], 0.1, 1000)
	if !strings.HasPrefix(b.String(), "machine: busy during a run of every model (busy: other processes used more than 0.25 of a core, steal above 0.1, or work off its measured speed by more than 15%):\nprocesses(2): ") {
		t.Errorf("every model busy: %q", b.String())
	}

	b.Reset()
	noiseText(&b, noise{known: false}, checks, 0.1, 1000)
	if !strings.Contains(b.String(), "how busy it was is unknown (this system has no /proc/stat)") {
		t.Errorf("unknown load: %q", b.String())
	}

	if got := verdictText(truth.Inconclusive, 0.1); got != "inconclusive (machine busy)" {
		t.Errorf("verdictText = %q", got)
	}
	for _, tt := range []struct {
		min, max int64
		want     string
	}{{1100e6, 1300e6, "1.100–1.300 s"}, {998e6, 1310e6, "998 ms–1.310 s"}, {2e9, 2e9, "2.000 s"}} {
		if got := spreadText(truth.Spread{Min: tt.min, Max: tt.max}); got != tt.want {
			t.Errorf("spreadText(%d, %d) = %q, want %q", tt.min, tt.max, got, tt.want)
		}
	}
}

// TestVerifySlowWorkWording: where /proc/stat says nothing (or nothing
// ran), a run whose work took 25 % more CPU time than its length is busy
// too, and says why.
func TestVerifySlowWorkWording(t *testing.T) {
	sync, _ := model.Parse("sync")
	slow := truth.Load{WorkSpeed: 0.8, SlowWork: true, Busy: true}
	c := checked{model: sync, cmp: truth.Comparison{Makespan: 0.3}, verdict: truth.Inconclusive, busy: true,
		runs: []truth.Run{{Makespan: 2.6e9, Error: 0.3, Used: true, Load: slow}}}
	var b strings.Builder
	noiseText(&b, noise{known: false, speed: truth.DefaultSpeed}, []checked{c}, 0.1, 1000)
	for _, want := range []string{"machine: how busy it was is unknown (this system has no /proc/stat)",
		"unless its work ran off its measured speed by more than 15%",
		"sync: work ran at 0.80× its measured speed during run 1; the median is of run 1, all busy: inconclusive"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the note lacks %q:\n%s", want, b.String())
		}
	}
	if err := verifyVerdict([]checked{c}, 0.1); err == nil || !strings.Contains(err.Error(), "sync +30.0% (work ran at 0.80× its measured speed during run 1)") {
		t.Errorf("verdict: %v", err)
	}
	if d := runsJSON(c.runs); d[0].Load != nil || d[0].WorkSpeed != 0.8 || !d[0].SlowWork {
		t.Errorf("runs %+v", d)
	}
}

func TestRunsJSON(t *testing.T) {
	docs := runsJSON(busyChecks(t)[1].runs)
	if len(docs) != 5 || !docs[1].Busy || docs[1].Load == nil || docs[1].Load.Others != 0.9 || docs[3].Used || docs[1].MakespanS != 1.3 {
		t.Errorf("runs %+v", docs)
	}
	if d := runsJSON([]truth.Run{{Makespan: 1e9}}); d[0].Load != nil {
		t.Errorf("an unknown load is null: %+v", d[0])
	}
}

func TestRunList(t *testing.T) {
	for _, tt := range []struct {
		in   []int
		want string
	}{{nil, "no run"}, {[]int{1}, "run 2"}, {[]int{1, 3}, "runs 2 and 4"}, {[]int{0, 2, 4}, "runs 1, 3 and 5"}} {
		if got := runList(tt.in); got != tt.want {
			t.Errorf("runList(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestVerifyCompilerText: the JVM's compilers' CPU is said per model, the
// median of the runs counted, and nothing is said when no run measured it.
func TestVerifyCompilerText(t *testing.T) {
	pool, _ := model.Parse("threads(4)")
	sync, _ := model.Parse("sync")
	jit := func(ms int64, used bool) truth.Run {
		return truth.Run{Makespan: 1e9, Used: used, CompilerCPU: ms * 1e6, CompilerKnown: true}
	}
	checks := []checked{
		{model: pool, runs: []truth.Run{jit(160, true), jit(240, true), jit(900, false), jit(190, true)}},
		{model: sync, runs: []truth.Run{{Makespan: 1e9, Used: true}}},
	}
	var b strings.Builder
	compilerText(&b, checks, 1000)
	if got := b.String(); !strings.Contains(got, "the java profile does not model it yet: threads(4) 190 ms.") || strings.Contains(got, "sync") {
		t.Errorf("compilerText:\n%s", got)
	}
	if d := runsJSON(checks[0].runs); d[0].CompilerCPUS == nil || *d[0].CompilerCPUS != 0.16 {
		t.Errorf("runs %+v", d[0])
	}
	if d := runsJSON(checks[1].runs); d[0].CompilerCPUS != nil {
		t.Errorf("a run that measured no compiler has none: %+v", d[0])
	}
	b.Reset()
	compilerText(&b, busyChecks(t), 1000)
	if b.Len() > 0 {
		t.Errorf("no run measured it, yet: %s", b.String())
	}
}

// TestVerifyDeadlockWording: a model whose prediction and real run both
// deadlocked passes whatever the makespans (the real run stopped at its
// watchdog, not at the cycle), and says so; one that deadlocked on one
// side only fails, and says which; a task a deadlock stopped shows no end.
func TestVerifyDeadlockWording(t *testing.T) {
	threads, _ := model.Parse("threads(2)")
	both := truth.Comparison{Makespan: 0.101, DeadlockPredicted: true, DeadlockObserved: true}
	seen := truth.Comparison{Makespan: 0.3, DeadlockObserved: true}
	if err := verifyVerdict([]checked{{model: threads, cmp: both, verdict: truth.Within}}, 0.1); err != nil {
		t.Errorf("both deadlocked: %v", err)
	}
	err := verifyVerdict([]checked{{model: threads, cmp: seen, verdict: truth.Beyond}}, 0.1)
	if want := "threads(2): the real run deadlocked, none predicted"; err == nil || err.Error() != want {
		t.Errorf("verdict %v, want %q", err, want)
	}
	for _, tt := range []struct {
		cmp  truth.Comparison
		want string
	}{{both, "ok: both deadlocked"}, {seen, "beyond: the real run deadlocked, none predicted"},
		{truth.Comparison{DeadlockPredicted: true}, "beyond: predicted a deadlock, the real run finished"},
		{truth.Comparison{Makespan: 0.3}, ""}} {
		if got := deadlockText(tt.cmp); got != tt.want {
			t.Errorf("deadlockText(%+v) = %q, want %q", tt.cmp, got, tt.want)
		}
	}
	if got := endText(-1); got != "never (deadlock)" {
		t.Errorf("endText(-1) = %q", got)
	}
}

package truth

import (
	"context"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/machine"
)

// fakeMachine is a machine.Reader whose other processes use others cores
// between any two reads (our own CPU stays 0): each read advances its
// clock by a second of wall time.
type fakeMachine struct {
	mu     sync.Mutex
	c      machine.Counters
	others []float64 // cores other processes use, read after read; the last repeats
	reads  int
}

func (f *fakeMachine) Read() (machine.Counters, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.c.CPUs == 0 {
		f.c = machine.Counters{At: time.Unix(1000, 0), CPUs: 2}
		return f.c, nil
	}
	o := f.others[min(f.reads, len(f.others)-1)]
	f.reads++
	f.c.At = f.c.At.Add(time.Second)
	f.c.Busy += time.Duration(o * float64(time.Second))
	return f.c, nil
}

var unknownMachine = machine.ReaderFunc(func() (machine.Counters, error) { return machine.Counters{}, machine.ErrUnknown })

func aRun(makespan int64, err float64, busy bool, others float64) Run {
	return Run{Makespan: makespan, Error: err, Load: Load{Known: true, Busy: busy, Crowded: busy, During: machine.Usage{CPUs: 2, Others: others}}}
}

func TestMoreAndChoose(t *testing.T) {
	q := func(ms int64) Run { return aRun(ms*1e6, 0, false, 0.05) }
	b := func(ms int64, others float64) Run { return aRun(ms*1e6, 0, true, others) }
	tests := []struct {
		name string
		runs []Run
		more bool // with repeat 3, retries 2
		used []int
		min  int64
		max  int64
		busy bool
	}{
		{"fewer than repeat", []Run{q(100)}, true, []int{0}, 100e6, 100e6, false},
		{"three quiet", []Run{q(100), q(120), q(110)}, false, []int{0, 1, 2}, 100e6, 120e6, false},
		{"one busy: once more", []Run{q(100), b(190, 0.9), q(110)}, true, []int{0, 2, 1}, 100e6, 190e6, true},
		{"the quiet retry replaces it", []Run{q(100), b(190, 0.9), q(110), q(105)}, false, []int{0, 2, 3}, 100e6, 110e6, false},
		{"retries spent: the least busy", []Run{b(150, 0.5), b(190, 0.9), q(110), b(130, 0.3), b(170, 0.7)}, false, []int{2, 3, 0}, 110e6, 150e6, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := more(tt.runs, 3, 2, 0); got != tt.more {
				t.Errorf("more = %v, want %v", got, tt.more)
			}
			runs := slices.Clone(tt.runs)
			used := choose(runs, 3)
			want := slices.Sorted(slices.Values(tt.used))
			if !slices.Equal(used, want) {
				t.Errorf("used %v, want %v", used, want)
			}
			for i, r := range runs {
				if r.Used != slices.Contains(want, i) {
					t.Errorf("run %d: used %v", i, r.Used)
				}
			}
			s, busy := spreadOf(runs)
			if s.Min != tt.min || s.Max != tt.max || busy != tt.busy {
				t.Errorf("spread %+v busy %v, want %d–%d busy %v", s, busy, tt.min, tt.max, tt.busy)
			}
		})
	}
}

// TestMoreWithinTolerance: a busy run within the tolerance stands; one
// beyond it is made again.
func TestMoreWithinTolerance(t *testing.T) {
	within, beyond := aRun(2e9, 0.03, true, 1.5), aRun(2.6e9, 0.3, true, 1.5)
	if more([]Run{within, within, within}, 3, 2, 0.1) {
		t.Error("three busy runs within 10%: made again")
	}
	if !more([]Run{within, beyond, within}, 3, 2, 0.1) {
		t.Error("a busy run beyond 10%: not made again")
	}
	if !more([]Run{within, within, within}, 3, 2, 0) {
		t.Error("no tolerance: busy runs not made again")
	}
	if got := busyRun([]Run{beyond, within}, 0.1); got != "run 1: other processes used 1.5 of 2 cores" {
		t.Errorf("busyRun = %q", got)
	}
}

func TestVerdict(t *testing.T) {
	tests := []struct {
		err  float64
		busy bool
		want Verdict
	}{
		{0.05, false, Within},
		{-0.1, true, Within},
		{0.3, false, Beyond},
		{0.3, true, Inconclusive},
		{-0.4, true, Inconclusive},
	}
	for _, tt := range tests {
		c := ModelCheck{Comparison: Comparison{Makespan: tt.err}, Busy: tt.busy}
		if got := c.Verdict(0.1); got != tt.want {
			t.Errorf("error %v busy %v: %v, want %v", tt.err, tt.busy, got, tt.want)
		}
	}
	if Within.String() != "ok" || Beyond.String() != "beyond" || Inconclusive.String() != "inconclusive" {
		t.Error("the verdicts' words changed: they are JSON")
	}
}

// TestWatcher: the window before a run and the run itself, from a fake
// machine; a run made again waits for a quiet window, up to Wait.
func TestWatcher(t *testing.T) {
	f := &fakeMachine{others: []float64{0.9, 0.6}}
	w := newWatcher(NoiseConfig{Reader: f, Window: time.Millisecond, Wait: time.Hour})
	start, l, err := w.before(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if !l.Known || l.Before.Others != 0.9 || l.Waited != 0 {
		t.Errorf("before: %+v", l)
	}
	l = w.during(start, l, 0)
	if !l.Busy || l.During.Others != 0.6 || l.During.CPUs != 2 {
		t.Errorf("during: %+v", l)
	}

	// Patient: three busy windows, then a quiet one.
	f = &fakeMachine{others: []float64{0.9, 0.8, 0.7, 0.1, 0.1}}
	w = newWatcher(NoiseConfig{Reader: f, Window: time.Millisecond, Wait: time.Hour})
	_, l, _ = w.before(context.Background(), true)
	if l.Before.Others != 0.1 || l.Waited <= 0 || f.reads != 4 {
		t.Errorf("patient before: %+v after %d reads", l, f.reads)
	}
	// Up to Wait only.
	f = &fakeMachine{others: []float64{0.9}}
	w = newWatcher(NoiseConfig{Reader: f, Window: 5 * time.Millisecond, Wait: 20 * time.Millisecond})
	_, l, _ = w.before(context.Background(), true)
	if l.Before.Others != 0.9 || f.reads > 5 {
		t.Errorf("patient before, busy throughout: %+v after %d reads", l, f.reads)
	}

	// A system that does not say.
	w = newWatcher(NoiseConfig{Reader: unknownMachine})
	start, l, _ = w.before(context.Background(), true)
	if l = w.during(start, l, 0); l.Known || l.Busy || w.known {
		t.Errorf("unknown machine: %+v", l)
	}
}

// TestCheckOnABusyMachine runs a small workload on the real CPython with
// a fake machine whose other processes use 0.9 of 2 cores, and a
// tolerance of 0 %, which no real run meets: every run is busy, so verify
// makes Retries more runs and calls the model inconclusive, not beyond.
// The same on a quiet fake machine is a miss (Beyond). Nothing here
// depends on how long the runs take.
func TestCheckOnABusyMachine(t *testing.T) {
	py := needPython(t)
	wl, err := workload.ParseInline("[wait 5ms]")
	if err != nil {
		t.Fatal(err)
	}
	d, _ := model.Parse("sync")
	tg := resolve(t, wl)
	tg.Models = []model.Deployment{d}
	for _, tt := range []struct {
		others float64
		runs   int
		want   Verdict
	}{
		{0.9, 2 + 1, Inconclusive},
		{0.1, 2, Beyond},
	} {
		var again []string
		cfg := CheckConfig{Target: tg, Python: py, Repeat: 2, Timeout: time.Minute,
			Noise:    NoiseConfig{Reader: &fakeMachine{others: []float64{tt.others}}, Retries: 1, Window: time.Millisecond, Wait: 2 * time.Millisecond},
			Progress: func(p Progress) { again = append(again, p.Again) }}
		rep, err := Check(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		c := rep.Models[0]
		if got := c.Verdict(0); got != tt.want || len(c.Runs) != tt.runs || !rep.LoadKnown {
			t.Errorf("others %v: verdict %v with %d runs (load known %v), want %v with %d", tt.others, got, len(c.Runs), rep.LoadKnown, tt.want, tt.runs)
		}
		if tt.want == Inconclusive {
			if len(rep.Inconclusive(0)) != 1 || len(rep.Beyond(0)) != 0 {
				t.Errorf("inconclusive %d, beyond %d", len(rep.Inconclusive(0)), len(rep.Beyond(0)))
			}
			if want := "run 2: other processes used 0.9 of 2 cores"; again[len(again)-1] != want {
				t.Errorf("the run made again says %q, want %q", again[len(again)-1], want)
			}
			if l := c.Runs[0].Load; !l.Busy || l.During.Others != 0.9 {
				t.Errorf("run 1's load: %+v", l)
			}
		} else if len(rep.Beyond(0)) != 1 || slices.ContainsFunc(again, func(s string) bool { return s != "" }) {
			t.Errorf("quiet: beyond %d, progress %q", len(rep.Beyond(0)), again)
		}
	}

	// Where the system does not say, nothing is busy: a miss is a miss.
	cfg := CheckConfig{Target: tg, Python: py, Repeat: 1, Noise: NoiseConfig{Reader: unknownMachine}}
	rep, err := Check(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.LoadKnown || rep.Models[0].Verdict(0) != Beyond || rep.Models[0].Runs[0].Load.Known {
		t.Errorf("unknown load: known %v, verdict %v", rep.LoadKnown, rep.Models[0].Verdict(0))
	}
}

func TestSuiteVerdict(t *testing.T) {
	tests := []struct {
		name                     string
		med, worst, qMed, qWorst float64
		busy, rows               int
		want                     Verdict
	}{
		{"passes", 0.02, 0.1, 0.02, 0.1, 3, 28, Within},
		{"misses on a quiet machine", 0.02, 0.4, 0.02, 0.4, 0, 28, Beyond},
		{"the quiet rows miss too", 0.06, 0.4, 0.02, 0.3, 5, 28, Beyond},
		{"only busy rows miss", 0.03, 2.6, 0.02, 0.09, 4, 28, Inconclusive},
		{"every row busy", 0.2, 0.9, 0, 0, 28, 28, Inconclusive},
	}
	for _, tt := range tests {
		r := &SuiteReport{MedianAbsError: tt.med, WorstAbsError: tt.worst, QuietMedian: tt.qMed, QuietWorst: tt.qWorst,
			Busy: tt.busy, Rows: make([]SuiteRow, tt.rows)}
		if got := r.Verdict(0.05, 0.15); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// quietNoise is a check's view of a machine on which nothing else runs.
func quietNoise() NoiseConfig {
	return NoiseConfig{Reader: &fakeMachine{others: []float64{0}}, Window: -1}
}

// TestWorkSpeed: the CPU time of the work steps against their durations
// says how fast the CPU ran them; too slow (or too fast) a run is busy,
// even where /proc/stat says nothing.
func TestWorkSpeed(t *testing.T) {
	wl, _ := workload.ParseInline("A: [work 40ms, wait 10ms]; B: [work 60ms]")
	tasks, err := Tasks(wl)
	if err != nil {
		t.Fatal(err)
	}
	m := &Measurement{Tasks: []TaskRun{
		{Steps: []StepRun{{Kind: Work, CPU: 0.050}, {Kind: Wait, CPU: 0.001}}},
		{Steps: []StepRun{{Kind: Work, CPU: 0.075}}},
	}}
	if got := workSpeed(tasks, m); math.Abs(got-0.8) > 1e-9 {
		t.Errorf("workSpeed = %v, want 0.8 (100 ms of work in 125 ms of CPU)", got)
	}
	m.Tasks[1].Steps[0].CPU = -1 // an older program: no CPU times
	if got := workSpeed(tasks, m); got != 0 {
		t.Errorf("workSpeed without CPU times = %v, want 0", got)
	}
	short, _ := workload.ParseInline("[work 5ms]")
	few, _ := Tasks(short)
	if got := workSpeed(few, &Measurement{Tasks: []TaskRun{{Steps: []StepRun{{Kind: Work, CPU: 0.01}}}}}); got != 0 {
		t.Errorf("workSpeed of 5 ms = %v, want 0: too little to tell", got)
	}

	for _, tt := range []struct {
		speed float64
		busy  bool
	}{{0, false}, {1.02, false}, {0.9, false}, {0.8, true}, {1.25, true}} {
		for _, reader := range []machine.Reader{&fakeMachine{others: []float64{0}}, unknownMachine} {
			w := newWatcher(NoiseConfig{Reader: reader, Window: -1})
			start, l, _ := w.before(context.Background(), false)
			if l = w.during(start, l, tt.speed); l.Busy != tt.busy || l.SlowWork != tt.busy || l.WorkSpeed != tt.speed {
				t.Errorf("speed %v: %+v, want busy %v", tt.speed, l, tt.busy)
			}
		}
	}
}

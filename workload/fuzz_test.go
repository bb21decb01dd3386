package workload

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkResult is what both fuzz targets assert: an *Error placed at a real
// line and column, or a Workload that keeps the promises the engine relies on.
func checkResult(t *testing.T, w *Workload, err error) {
	t.Helper()
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %T %v is not *Error", err, err)
		}
		if e.Line < 1 || e.Col < 1 || e.Msg == "" {
			t.Fatalf("error without a place or message: %#v", e)
		}
		if w != nil {
			t.Fatalf("both a workload and an error")
		}
		return
	}
	if w == nil || w.Name == "" || len(w.Groups) == 0 {
		t.Fatalf("invalid workload %+v", w)
	}
	if w.Cores < 0 || w.Cores > MaxCores || w.SwitchInterval < 0 {
		t.Fatalf("cores %d, switch interval %d", w.Cores, w.SwitchInterval)
	}
	if n := w.NumTasks(); n < 0 || n > MaxTasks {
		t.Fatalf("NumTasks = %d", n)
	}
	for i, r := range w.Resources {
		if resourceNameProblem(r.Name) != "" || r.Capacity < 1 || r.Capacity > MaxCapacity || resourceIndex(w.Resources, r.Name) != i || r.Pos.Line < 1 {
			t.Fatalf("invalid resource %d: %+v", i, r)
		}
	}
	names := map[string]bool{}
	for i, g := range w.Groups {
		if g.Name == "" || names[g.Name] || g.Count < 1 || g.Start < 0 || g.Every < 0 || !(g.Weight > 0) || len(g.Steps) == 0 ||
			g.Input < 0 || g.Input > MaxBytes || g.Output < 0 || g.Output > MaxBytes {
			t.Fatalf("invalid group %d: %+v", i, g)
		}
		names[g.Name] = true
		checkStepsValid(t, w, g.Steps, 0, 0, 1)
	}
	if w.Steps() < 0 || w.PythonWork() < 0 {
		t.Fatalf("Steps %d, PythonWork %v", w.Steps(), w.PythonWork())
	}
	for _, m := range w.Models {
		if m.Expr == "" || m.Pos.Line < 1 || m.Pos.Col < 1 {
			t.Fatalf("invalid model %+v", m)
		}
	}
}

func checkStepsValid(t *testing.T, w *Workload, steps []Step, depth, blocks int, product int64) {
	t.Helper()
	if len(steps) == 0 || depth > MaxDepth || blocks > MaxNest || product > MaxRepeat {
		t.Fatalf("steps at depth %d, %d blocks, product %d: %+v", depth, blocks, product, steps)
	}
	for _, s := range steps {
		if s.Pos.Line < 1 || s.Pos.Col < 1 {
			t.Fatalf("step without a place: %+v", s)
		}
		switch s.Kind {
		case Work, Wait:
			d := s.Dur
			if d.A < 0 || d.B < 0 || d.A > MaxDuration || d.B > MaxDuration || (d.Kind == Uniform && d.A > d.B) {
				t.Fatalf("invalid duration %+v", d)
			}
			if s.Kind == Work && s.Blocking || s.Kind == Wait && s.GILReleased || (s.Input != 0 || s.Output != 0) && s.Offload != OffloadProcess {
				t.Fatalf("flag on the wrong kind of step: %+v", s)
			}
			r := NewRand(1, 1)
			if x := d.Sample(&r); x < 0 {
				t.Fatalf("negative sample %d from %v", x, d)
			}
		case Repeat:
			if s.Count < 1 {
				t.Fatalf("repeat count %d", s.Count)
			}
			checkStepsValid(t, w, s.Steps, depth+1, blocks+1, product*int64(s.Count))
		case Use:
			if s.Resource < 0 || s.Resource >= len(w.Resources) {
				t.Fatalf("use of resource %d of %d", s.Resource, len(w.Resources))
			}
			checkStepsValid(t, w, s.Steps, depth, blocks+1, product)
		case Gather:
			if len(s.Branches) == 0 {
				t.Fatalf("gather without branches: %+v", s)
			}
			for _, b := range s.Branches {
				if b.Count < 1 || b.Pos.Line < 1 {
					t.Fatalf("branch %+v", b)
				}
				checkStepsValid(t, w, b.Steps, depth, blocks+1, product*int64(b.Count))
			}
		case Choose:
			if len(s.Alternatives) == 0 {
				t.Fatalf("choose without alternatives: %+v", s)
			}
			for _, a := range s.Alternatives {
				if !(a.Weight > 0) || a.Weight > MaxWeight || a.Pos.Line < 1 {
					t.Fatalf("alternative %+v", a)
				}
				checkStepsValid(t, w, a.Steps, depth, blocks+1, product)
			}
		default:
			t.Fatalf("unknown step kind %d", s.Kind)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(specExample))
	f.Add([]byte("tasks: [{steps: [{wait: 2s}]}]"))
	f.Add([]byte("tasks:\n  - steps:\n      - sleep: 2s"))
	f.Add([]byte("tasks: [{steps: [{work: uniform(10ms, 30ms)}]}]"))
	f.Add([]byte("models: [asyncio(limit=10, executor=4)]\ntasks: [{steps: [{wait: 1s}]}]"))
	f.Add([]byte("arrivals: {rate: 200/s, for: 30s}\ntasks: [{weight: 2, steps: [{wait: exp(50ms)}]}]"))
	f.Add([]byte("tasks: [{count: -3, steps: [{repeat: 2, steps: [{wait: 1ms}]}]}]"))
	f.Add([]byte("a: &x [1]\nb: *x\n"))
	f.Add([]byte("tasks: ["))
	f.Add([]byte("tasks:\n\t- x"))
	f.Add([]byte("\x00\xff"))
	f.Add([]byte(""))
	f.Add([]byte(nested(MaxDepth + 1)))
	f.Add([]byte(strings.Repeat("[", MaxNesting+1)))
	f.Add([]byte(strings.Repeat("- ", MaxNesting+1)))
	f.Add([]byte("about: \"[[[\" # {{{\ntasks: [{steps: [{wait: 1s}]}]"))
	f.Add([]byte("about: |\n  [[[\n--- " + strings.Repeat("{a: ", MaxNesting+1)))
	f.Add([]byte(specShapes))
	f.Add([]byte("resources: {db: {capacity: 10}, lock: {capacity: 1, scope: global}}\ntasks: [{count: 3, input: 2MiB, output: 10KB, steps: [{use: db, steps: [{use: lock, steps: [{wait: 5ms}]}]}]}]"))
	f.Add([]byte("tasks: [{steps: [" + strings.Repeat("{gather: [{count: 6, steps: [", 6) + "{wait: 50ms}" + strings.Repeat("]}]}", 6) + "]}]"))
	f.Add([]byte("tasks: [{steps: [{choose: [{weight: 90, steps: [{work: 50us}]}, {weight: 1e-3, steps: [{wait: 40ms, offload: process, input: 1GB}]}]}]}]"))
	f.Add([]byte("resources: {db: {capacity: 0}}\ntasks: [{steps: [{use: dB, steps: []}, {gather: [{count: 1000000000, steps: [{wait: 1s}]}]}]}]"))
	f.Add([]byte("tasks: [{steps: [{gather: [{steps: [{repeat: 100000, steps: [{gather: [{count: 100000, steps: [{wait: 1us}]}]}]}]}]}]}]"))
	if paths, _ := filepath.Glob("../examples/*.yaml"); len(paths) > 0 {
		for _, p := range paths {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := Parse("f.yaml", data)
		checkResult(t, w, err)
	})
}

func FuzzParseInline(f *testing.F) {
	for _, s := range []string{
		"3 x a: [wait 2ms]; b: [wait 1ms] after a, a start 1ms; c: [work 1ms] after b",
		"3 x [wait 2s]",
		"2x [work 1s]",
		"cores=2; switch=1ms; io: [repeat 200 [wait 500us]]; cpu: [work 3s]",
		"A: [work 5ms, wait 120ms, wait 30ms blocking offload thread]; B: [work 40ms released]",
		"100 × fetch: [work 5ms, wait exp(100ms), wait uniform(10ms, 30ms)] every 10ms start 1s",
		"[sleep 2s]",
		"[wait 2]",
		"[wait uniform(30ms, 10ms)]",
		"[repeat 100000 [repeat 100000 [wait 1us]]]",
		"[wait exp(1s]",
		"-2 x [",
		"",
		"res db=10; 100 x [work 2ms, use db [wait 5ms], gather [3 x [wait 30ms], [work 1ms]]] input 2MB output 10KB",
		"res a=1 global; res b=1; A: [use a [wait 10ms, use b [wait 1ms]]]; B: [use b [wait 10ms, use a [wait 1ms]]]",
		"50 x [choose [90: [work 50us], 10: [wait 40ms offload process input 1MiB output 1KB]]]",
		"[gather [6x [gather [6x [gather [6x [wait 50ms]]]]]]]",
		"res db=0; [use dbb [gather [0 x [choose [0: [wait 1ms]]]]]]",
		"[gather [1000000000 x [wait 1us]]]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		w, err := ParseInline(expr)
		checkResult(t, w, err)
		if err != nil {
			if e := err.(*Error); e.File != "-e" || e.Line != 1 {
				t.Fatalf("inline error not at -e:1: %v", e)
			}
		}
	})
}

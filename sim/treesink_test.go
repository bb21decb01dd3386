package sim_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// runRecorded runs an inline workload under model m, keeping every span.
func runRecorded(t *testing.T, inline, m string) (*sim.Result, *sim.Recorder) {
	t.Helper()
	wl, err := workload.ParseInline(inline)
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := runtime.Builtin("cpython")
	d, err := model.Parse(m)
	if err != nil {
		t.Fatal(err)
	}
	rec := &sim.Recorder{}
	r, err := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2, SwitchInterval: 5_000_000, Sink: rec, RecordTasks: true})
	if err != nil {
		t.Fatal(err)
	}
	return r, rec
}

// The recorder is told of every gather and branch: who gathered how many,
// when the last finished and which it was, and the states of each branch
// that ran as a task of its own, which end when the branch does.
func TestRecorderGathers(t *testing.T) {
	const inline = "crawl: [wait 10ms, gather [3 x [wait 20ms, gather [2 x [wait 5ms]]]]]"
	for _, tc := range []struct {
		model string
		run   sim.BranchRun
	}{
		{"asyncio", sim.OwnTask},
		{"asyncio(eager)", sim.Eager},
		{"threads(2, fanout=8)", sim.OwnTask},
		{"sync", sim.Inline},
	} {
		t.Run(tc.model, func(t *testing.T) {
			r, rec := runRecorded(t, inline, tc.model)
			if r.Deadlock != nil {
				t.Fatalf("deadlock: %+v", r.Deadlock)
			}
			if len(rec.Branches) != 9 || len(rec.Gathers) != 4 {
				t.Fatalf("%d branches and %d gathers recorded, want 9 and 4", len(rec.Branches), len(rec.Gathers))
			}
			for i, b := range rec.Branches {
				if b.ID != int32(i) || b.Task != 0 || b.Run != tc.run {
					t.Errorf("branch %d: %+v", i, b)
				}
				if b.Parent >= 0 && rec.Branches[b.Parent].Name+"/" != b.Name[:len(rec.Branches[b.Parent].Name)+1] {
					t.Errorf("branch %s under %s", b.Name, rec.Branches[b.Parent].Name)
				}
			}
			if rec.Branches[0].Name != "crawl/1" || rec.Branches[0].Parent != -1 {
				t.Errorf("first branch %+v, want crawl/1 of the task", rec.Branches[0])
			}
			// The task's own gather is done last, when its last branch is.
			top := rec.Gathers[len(rec.Gathers)-1]
			if top.Name != "crawl" || top.Branch != -1 || top.Count != 3 || top.At < 10_000_000 || top.Created < top.At || top.Done < top.Created+25_000_000 {
				t.Errorf("the task's gather: %+v", top)
			}
			last := rec.Branches[top.Last]
			if last.Parent != -1 {
				t.Errorf("the last branch of crawl's gather is %s, not one of its own", last.Name)
			}
			end := int64(-1)
			for _, s := range rec.BranchSpans {
				if s.Task == top.Last {
					end = max(end, s.End)
				}
			}
			if tc.run != sim.Inline && end != top.Done {
				t.Errorf("%s's spans end at %d, its gather is done at %d", last.Name, end, top.Done)
			}
			if tc.run == sim.Inline && len(rec.BranchSpans) > 0 {
				t.Errorf("%d spans of branches run inline: their states are their task's", len(rec.BranchSpans))
			}
		})
	}
}

// A deadlock leaves its gathers open: Done -1, and the branches' spans
// closed at the instant the run stopped.
func TestRecorderGatherDeadlock(t *testing.T) {
	r, rec := runRecorded(t, "2 x [gather [2 x [wait 10ms]]]", "threads(2)")
	if r.Deadlock == nil {
		t.Fatal("no deadlock")
	}
	if len(rec.Gathers) != 2 {
		t.Fatalf("%d gathers, want the 2 left open", len(rec.Gathers))
	}
	for _, g := range rec.Gathers {
		if g.Done != -1 || g.Count != 2 || g.Run != sim.OwnTask {
			t.Errorf("gather %+v: want it open", g)
		}
	}
	for _, s := range rec.BranchSpans {
		if s.End > r.Makespan || s.State != sim.Ready {
			t.Errorf("branch span %+v: queued branches wait until the run stops at %d", s, r.Makespan)
		}
	}
}

// plainSink keeps spans but is no TreeSink.
type plainSink struct{ n int }

func (p *plainSink) LaneSpan(sim.Span) { p.n++ }
func (p *plainSink) TaskSpan(sim.Span) { p.n++ }

// Recording the tree changes no result, and no span of the tasks.
func TestRecorderTreeSameResult(t *testing.T) {
	wl, err := workload.ParseInline("4 x [work 1ms, gather [3 x [wait exp(20ms), work 200us, gather [2 x [work 100us]]], [wait 5ms]]]")
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := runtime.Builtin("cpython")
	for _, m := range []string{"asyncio", "asyncio(eager)", "threads(2, fanout=16)", "threads", "sync", "processes(2)", "processes(2)*asyncio"} {
		d, err := model.Parse(m)
		if err != nil {
			t.Fatal(err)
		}
		cfg := sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2, SwitchInterval: 5_000_000, RecordTasks: true}
		plain := &plainSink{}
		cfg.Sink = plain
		want, err := sim.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		rec := &sim.Recorder{}
		cfg.Sink = rec
		got, err := sim.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) || len(rec.Lanes)+len(rec.Tasks) != plain.n {
			t.Errorf("%s: recording the tree changed the run", m)
		}
		if len(rec.Gathers) != 4*(1+3) {
			t.Errorf("%s: %d gathers recorded, want 16", m, len(rec.Gathers))
		}
	}
}

// A HoldSink is told of each wait for a unit, and of the tasks waiting
// after each event: five tasks on two connections, three wait.
func TestHoldQueue(t *testing.T) {
	wl, err := workload.Parse("w.yaml", []byte("resources: {db: {capacity: 2}}\ntasks: [{count: 5, steps: [{use: db, steps: [{wait: 10ms}]}]}]"))
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := runtime.Builtin("cpython")
	d, _ := model.Parse("threads(5)")
	rec := &sim.Recorder{}
	if _, err := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2, SwitchInterval: 5_000_000, Sink: rec}); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	peak := int32(0)
	for _, h := range rec.Holds {
		switch {
		case h.Wait:
			kinds = append(kinds, "wait")
		case h.Take:
			kinds = append(kinds, "take")
		default:
			kinds = append(kinds, "give")
		}
		peak = max(peak, h.Queue)
	}
	got := strings.Join(kinds, " ")
	if want := "take take wait wait wait give take give take give take give give"; got != want || peak != 3 || rec.Holds[len(rec.Holds)-1].Queue != 0 {
		t.Errorf("holds %s (peak queue %d), want %s (3)", got, peak, want)
	}
}

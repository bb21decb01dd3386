package record

import (
	"math"
	"testing"

	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

func TestStretch(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		from bool
		want string
	}{
		{"app.py:30(handle)", "app.py:42(handle)", false, "app.py:30-42(handle)"},
		{"app.py:42(handle)", "app.py:30(handle)", false, "app.py:30-42(handle)"}, // a loop's next turn
		{"app.py:42(handle)", "app.py:42(handle)", false, "app.py:42(handle)"},
		{"app.py:12(handle)", "", true, "app.py:12(handle)"}, // no call at all: the function
		{"app.py:42(handle)", "", false, "after app.py:42(handle)"},
		{"", "app.py:42(handle)", false, "app.py:42(handle)"},
		{"app.py:30(handle)", "db.py:7(query)", false, "app.py:30(handle) to db.py:7(query)"},
		{"app.py:30(handle)", "app.py:50(parse)", false, "app.py:30(handle) to app.py:50(parse)"},
		{"C:\\app\\x.py:3(f)", "C:\\app\\x.py:9(f)", false, "C:\\app\\x.py:3-9(f)"},
		{"", "", false, ""},
	} {
		if got := stretch(tt.a, tt.b, tt.from); got != tt.want {
			t.Errorf("stretch(%q, %q, %v) = %q, want %q", tt.a, tt.b, tt.from, got, tt.want)
		}
	}
}

func TestCommonSource(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want string
	}{
		{[]string{"app.py:42(parse)", "app.py:42(parse)"}, "app.py:42(parse)"},
		{[]string{"app.py:30-42(h)", "app.py:35-50(h)", "app.py:31(h)"}, "app.py:30-50(h)"},
		{[]string{"app.py:30(h)", "app.py:30(g)"}, ""}, // two functions
		{[]string{"app.py:30(h)", "lib.py:30(h)"}, ""}, // two files
		{[]string{"app.py:30(h)", ""}, ""},             // one task said nowhere
		{[]string{"after app.py:42(h)", "after app.py:42(h)"}, "after app.py:42(h)"},
		{[]string{"after app.py:42(h)", "after app.py:44(h)"}, ""},
	} {
		if got := commonSource(tt.in); got != tt.want {
			t.Errorf("commonSource(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// placeWork: CPU between calls gets the lines between them, inside a use
// from its acquire, before the first call from the function's beginning.
func TestPlaceWork(t *testing.T) {
	in := []op{
		{kind: opWork},
		{kind: opWait, at: "app.py:11(handle)"},
		{kind: opWork},
		{kind: opUse, at: "app.py:13(handle)", body: []op{{kind: opWork}, {kind: opWait, at: "app.py:14(handle)"}, {kind: opWork}}},
		{kind: opWork},
	}
	placeWork(in, "app.py:9(handle)", "", true)
	got := []string{in[0].at, in[2].at, in[3].body[0].at, in[3].body[2].at, in[4].at}
	want := []string{"app.py:9-11(handle)", "app.py:11-13(handle)", "app.py:13-14(handle)", "after app.py:14(handle)", "after app.py:14(handle)"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("work %d at %q, want %q", i, got[i], want[i])
		}
	}
}

// A recording made on the free-threaded 3.13t names its profile, and its
// Python CPU is the build with the GIL's (divided by the profile's
// slowdown, which the engine multiplies back); C code that released the
// GIL and waits are as recorded. On 3.12 the profile is 3.12's, unscaled.
func TestRecordedRuntime(t *testing.T) {
	rec := func(python string, gil bool) *Recording {
		main, end := 0, int64(100_000_000)
		return &Recording{Recorder: 1, Python: python, Implementation: "cpython", GIL: gil, Main: 0, Wall: end,
			Tasks: []Task{
				{ID: 0, Kind: "main", Name: "main", End: &end, Steps: []Step{{Kind: 'g', Children: []int{1}}, {Kind: 'j', NS: 90_000_000}}},
				{ID: 1, Kind: "thread", Name: "work", Site: "/app/x.py:3", Parent: &main, Start: 1_000_000, End: &end,
					Steps: []Step{{Kind: 'w', NS: 30_000_000}, {Kind: 'r', NS: 10_000_000, What: "zlib.compress"}, {Kind: 'i', NS: 20_000_000, What: "time.sleep"}}},
			}}
	}
	ft, err := runtime.Builtin("cpython-3.13t")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		python  string
		gil     bool
		runtime string
		work    float64
	}{
		{"3.13.5", false, "cpython-3.13t", 30e6 / ft.Slowdown},
		{"3.12.1", true, "cpython-3.12", 30e6},
	} {
		res, err := Fold(rec(tt.python, tt.gil), Options{Command: "x.py", Name: "x", Cores: 2, Date: "2026-12-02"})
		if err != nil {
			t.Fatal(err)
		}
		w, err := workload.Parse("x.yaml", res.YAML)
		if err != nil {
			t.Fatalf("%v\n%s", err, res.YAML)
		}
		steps := w.Groups[0].Steps
		if w.Runtime != tt.runtime || math.Abs(mean(steps[0].Dur)/tt.work-1) > 0.01 || mean(steps[1].Dur) != 10e6 || mean(steps[2].Dur) != 20e6 {
			t.Errorf("CPython %s (GIL %v): runtime %s, steps %v %v %v; want %s, work %.0f ns, C code 10 ms, wait 20 ms\n%s",
				tt.python, tt.gil, w.Runtime, steps[0].Dur, steps[1].Dur, steps[2].Dur, tt.runtime, tt.work, res.YAML)
		}
	}
}

// An asyncio task that awaited one child alone (wait_for before 3.12 wraps
// its coroutine in a task) ran the child's steps as its own: no gather of
// one, which a thread pool would run on a second worker and, with every
// worker taken by a parent, deadlock (threads(6) did, recorded from 40
// such tasks). Its children that it gathered with others stay branches.
func TestOneAwaitedChildIsInline(t *testing.T) {
	main, end := 0, int64(100_000_000)
	parent := func(id int) *int { return &id }
	rec := &Recording{Recorder: 1, Python: "3.11.7", Implementation: "cpython", GIL: true, Main: 0, Wall: end, Loops: 1,
		Tasks: []Task{
			{ID: 0, Kind: "main", Name: "main", End: &end, Steps: []Step{{Kind: 'g', Children: []int{1, 2}}, {Kind: 'j', NS: 90_000_000}}},
			{ID: 1, Kind: "async", Name: "one", Site: "/app/x.py:3", Parent: &main, Start: 1_000_000, End: &end,
				Steps: []Step{{Kind: 'w', NS: 2_000_000}, {Kind: 'g', Children: []int{3}}, {Kind: 'j', NS: 10_000_000}, {Kind: 'w', NS: 1_000_000}}},
			{ID: 2, Kind: "async", Name: "one", Site: "/app/x.py:3", Parent: &main, Start: 1_000_000, End: &end,
				Steps: []Step{{Kind: 'w', NS: 2_000_000}, {Kind: 'g', Children: []int{4}}, {Kind: 'j', NS: 10_000_000}, {Kind: 'w', NS: 1_000_000}}},
			{ID: 3, Kind: "async", Name: "fetch", Site: "/app/x.py:9", Parent: parent(1), Start: 3_000_000, End: &end,
				Steps: []Step{{Kind: 'i', NS: 10_000_000, What: "await"}}},
			{ID: 4, Kind: "async", Name: "fetch", Site: "/app/x.py:9", Parent: parent(2), Start: 3_000_000, End: &end,
				Steps: []Step{{Kind: 'i', NS: 10_000_000, What: "await"}}},
		}}
	res, err := Fold(rec, Options{Command: "x.py", Name: "x", Cores: 2, Date: "2026-12-03"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := workload.Parse("x.yaml", res.YAML)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.YAML)
	}
	if len(w.Groups) != 1 || w.Groups[0].Count != 2 || kinds(w.Groups[0].Steps) != "wiw" {
		t.Errorf("want one × 2 of work, the child's wait, work:\n%s", res.YAML)
	}
}

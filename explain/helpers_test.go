package explain

import (
	"bytes"
	"context"
	"testing"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// story simulates a built-in example under one model as `conclab explain`
// would on the 2-core reference machine, and narrates it.
func story(t testing.TB, example, expr string) (*sim.Result, []Line) {
	t.Helper()
	wl, r, rec := run(t, example, expr)
	return r, Narrate(wl, r, rec)
}

// run simulates a built-in example under one model, recording its spans.
func run(t testing.TB, example, expr string) (*workload.Workload, *sim.Result, *sim.Recorder) {
	t.Helper()
	data, ok := examples.Lookup(example)
	if !ok {
		t.Fatalf("no example %q", example)
	}
	wl, err := workload.Parse("examples/"+example+".yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	r, rec := simulate(t, wl, expr)
	return wl, r, rec
}

func storyOf(t testing.TB, wl *workload.Workload, expr string) (*sim.Result, []Line) {
	t.Helper()
	r, rec := simulate(t, wl, expr)
	return r, Narrate(wl, r, rec)
}

func simulate(t testing.TB, wl *workload.Workload, expr string) (*sim.Result, *sim.Recorder) {
	t.Helper()
	d, err := model.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	name := "cpython"
	if wl.Runtime != "" {
		name = wl.Runtime
	}
	prof, err := runtime.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	cores := wl.Cores
	if cores == 0 {
		cores = 2
	}
	si := wl.SwitchInterval
	if si == 0 {
		si = 5_000_000
	}
	rec := &sim.Recorder{}
	r, err := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: cores,
		SwitchInterval: si, RecordTasks: true, Sink: rec})
	if err != nil {
		t.Fatal(err)
	}
	return r, rec
}

func text(t testing.TB, lines []Line, width int) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, lines, width); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

package advise

import (
	"context"
	"strings"
	"testing"

	"github.com/conclab/conclab/whatif"
)

// Beside the model, advise names the one code change that buys the most
// under it, with its figures: the work that a lock serialises; and says
// when no step holds the run back (tasks released 10 ms apart that take
// 1 ms each finish when the last is released, whatever their speed).
func TestAdviseChange(t *testing.T) {
	a, err := Advise(context.Background(), parse(t, `
resources: {lock: {capacity: 1}}
tasks:
  - name: job
    count: 100
    steps: [{wait: 5ms}, {use: lock, steps: [{work: 2ms}]}]
`), Constraints{}, setup(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	c := a.Change
	if c == nil || c.Effect == nil || c.Effect.Step != "job/2/1" || c.Effect.Kind != whatif.Speedup || c.Open ||
		!strings.HasPrefix(c.Text, "job/2/1 (work 2ms) made 50% faster cuts the makespan from ") {
		t.Fatalf("change %+v", c)
	}
	if doc := a.Document(); doc.Change == nil || doc.Change.Step != "job/2/1" || doc.Change.Metric != "makespan" || !(doc.Change.ToS < 0.9*doc.Change.FromS) {
		t.Errorf("JSON change %+v", doc.Change)
	}
	var b strings.Builder
	if err := a.WriteText(&b, 100); err != nil || !strings.Contains(b.String(), "the code change that buys the most:\n  job/2/1 (work 2ms)") {
		t.Errorf("text:\n%s", b.String())
	}

	// A recorded workload's step says where in the program it is.
	a, err = Advise(context.Background(), parse(t, `
resources: {lock: {capacity: 1}}
tasks:
  - name: job
    count: 100
    steps: [{wait: 5ms}, {use: lock, steps: [{work: 2ms, source: "app.py:42(parse)"}]}]
`), Constraints{}, setup(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	if c := a.Change; c == nil || !strings.HasPrefix(c.Text, "job/2/1 (work 2ms at app.py:42(parse)) made 50% faster cuts the makespan from ") ||
		a.Document().Change.Source != "app.py:42(parse)" {
		t.Errorf("change %+v", c)
	}

	a, err = Advise(context.Background(), parse(t, "tasks: [{name: tick, count: 100, every: 10ms, steps: [{work: 1ms}]}]"), Constraints{}, setup(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	if c := a.Change; c == nil || c.Effect != nil || !strings.HasPrefix(c.Text, "no step made 50% faster") {
		t.Errorf("change %+v", a.Change)
	}
}

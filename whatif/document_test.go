package whatif

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/workload"
)

func TestParseSpeedups(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []float64
		err  string
	}{
		{"10%,25%,50%,100%", []float64{0.10, 0.25, 0.50, 1}, ""},
		{" 50% , 12.5% ", []float64{0.5, 0.125}, ""},
		{"50", nil, `"50": want percentages, e.g. 10%,25%,50%,100%`},
		{"50%,", nil, `"50%,": want percentages`},
		{"0%", nil, "0%: want more than 0% and at most 100% (100% removes the step)"},
		{"25%,150%", nil, "150%: want more than 0% and at most 100%"},
	} {
		got, err := ParseSpeedups(tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.err)):
			t.Errorf("ParseSpeedups(%q): %v, want an error %q", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || !reflect.DeepEqual(got, tt.want)):
			t.Errorf("ParseSpeedups(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// The document has every change in the ranking's order, the resource's
// change by its name, the idle steps with why, and the table one row per
// change.
func TestDocument(t *testing.T) {
	p := planOf(t, "res lock=1; 100 x job: [wait 1ms, use lock [work 2ms]]")
	r, err := Run(context.Background(), p, deployment(t, "threads(8)"), Options{Speedups: []float64{0.5}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	doc := r.Document(report.Header{Workload: "inline"})
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]json.RawMessage
	json.Unmarshal(b, &keys)
	for _, k := range []string{"workload", "model", "ranked_by", "baseline", "effects", "idle"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	if doc.Model != "threads(8)" || doc.RankedBy != "makespan" || doc.Baseline.MakespanS != float64(r.Baseline.Makespan)/1e9 ||
		len(doc.Effects) != len(r.Effects) || doc.Effects[0].Step != "job/2/1" || doc.Effects[0].Change != "speedup 50%" {
		t.Errorf("document %+v", doc)
	}
	var lock *EffectDocument
	for i := range doc.Effects {
		if doc.Effects[i].Resource == "lock" {
			lock = &doc.Effects[i]
		}
	}
	if lock == nil || lock.Units != 2 || lock.Step != "" || lock.Change != "lock: 2 units" {
		t.Errorf("the lock's change %+v", lock)
	}
	if len(doc.Idle) != 1 || doc.Idle[0].Step != "job/1" || !strings.HasPrefix(doc.Idle[0].Why, "lock serialises the run") {
		t.Errorf("idle %+v", doc.Idle)
	}
	head, rows := r.Table()
	if len(head) != 9 || len(rows) != len(r.Effects) || !reflect.DeepEqual(rows[0][:4], []string{"1", "job/2/1", "work 2ms", "speedup 50%"}) {
		t.Errorf("table %q %q", head, rows)
	}
}

// A recorded workload's steps say where in the program they are: the
// change of a step carries its source into the document, the table and
// the steps that buy nothing.
func TestDocumentSources(t *testing.T) {
	wl, err := workload.Parse("app.yaml", []byte(`resources: {lock: {capacity: 1}}
tasks:
  - name: job
    count: 100
    steps:
      - {wait: 1ms, source: "app.py:11(handle)"}
      - use: lock
        source: "app.py:13(handle)"
        steps: [{work: 2ms, source: "app.py:13-14(handle)"}]
`))
	if err != nil {
		t.Fatal(err)
	}
	p := planOf(t, "[wait 1ms]")
	p.Workload = wl
	r, err := Run(context.Background(), p, deployment(t, "threads(8)"), Options{Speedups: []float64{0.5}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	doc := r.Document(report.Header{Workload: "app"})
	best := doc.Effects[0]
	if best.Step != "job/2/1" || best.Source != "app.py:13-14(handle)" {
		t.Errorf("the best change is %s at %q, want job/2/1 at app.py:13-14(handle)", best.Step, best.Source)
	}
	if len(doc.Idle) != 1 || doc.Idle[0].Step != "job/1" || doc.Idle[0].Source != "app.py:11(handle)" {
		t.Errorf("idle %+v, want job/1 at app.py:11(handle)", doc.Idle)
	}
	b, _ := json.Marshal(best)
	if !strings.Contains(string(b), `"source":"app.py:13-14(handle)"`) {
		t.Errorf("no source in %s", b)
	}
	_, rows := r.Table()
	if rows[0][2] != "work 2ms at app.py:13-14(handle)" {
		t.Errorf("the table's first row says %q", rows[0][2])
	}
}

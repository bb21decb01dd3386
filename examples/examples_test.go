package examples

import (
	"strings"
	"testing"

	"github.com/conclab/conclab/workload"
)

func TestEveryExampleParses(t *testing.T) {
	list := List()
	if len(list) < len(order) {
		t.Fatalf("List() has %d examples, want at least %d", len(list), len(order))
	}
	for _, info := range list {
		t.Run(info.Name, func(t *testing.T) {
			data, ok := Lookup(info.Name)
			if !ok {
				t.Fatalf("Lookup(%q) found nothing", info.Name)
			}
			w, err := workload.Parse(info.Name+".yaml", data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if w.Name != info.Name {
				t.Errorf("Name = %q, want the file's name %q", w.Name, info.Name)
			}
			if info.About == "" || info.About != w.About {
				t.Errorf("About = %q, want the file's about: line %q", info.About, w.About)
			}
			if strings.Contains(info.About, "\n") || len(info.About) > 100 {
				t.Errorf("about: should be one short line, got %q", info.About)
			}
			if len(w.Models) == 0 {
				t.Errorf("no models: an example should say what to compare")
			}
		})
	}
}

func TestListOrder(t *testing.T) {
	list := List()
	for i, name := range order {
		if list[i].Name != name {
			t.Errorf("List()[%d] = %q, want %q", i, list[i].Name, name)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"seed-io", true},
		{"convoy-1ms", true},
		{"nope", false},
		{"", false},
		{"seed-io.yaml", false},
		{"../go", false},
	}
	for _, tt := range tests {
		if _, ok := Lookup(tt.name); ok != tt.ok {
			t.Errorf("Lookup(%q) ok = %v, want %v", tt.name, ok, tt.ok)
		}
	}
}

// TestSeedCases pins the shape of the seed's cases, which the simulator's
// tests and `conclab demo` rely on.
func TestSeedCases(t *testing.T) {
	parse := func(name string) *workload.Workload {
		t.Helper()
		data, _ := Lookup(name)
		w, err := workload.Parse(name+".yaml", data)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	models := func(w *workload.Workload) string {
		var s []string
		for _, m := range w.Models {
			s = append(s, m.Expr)
		}
		return strings.Join(s, " ")
	}
	tests := []struct {
		name   string
		cores  int
		tasks  int
		models string
		first  workload.Step
	}{
		{"seed-io", 0, 3, "sync threads(3) asyncio",
			workload.Step{Kind: workload.Wait, Dur: workload.Dist{A: 2e9}}},
		{"seed-blocking", 0, 3, "asyncio threads(3)",
			workload.Step{Kind: workload.Wait, Dur: workload.Dist{A: 2e9}, Blocking: true}},
		{"seed-cpu", 2, 2, "sync threads(2) processes(2)",
			workload.Step{Kind: workload.Work, Dur: workload.Dist{A: 1e9}}},
		{"gil-released", 2, 2, "threads(2) sync",
			workload.Step{Kind: workload.Work, Dur: workload.Dist{A: 1e9}, GILReleased: true}},
		{"memory", 0, 10000, "threads(1000) asyncio",
			workload.Step{Kind: workload.Wait, Dur: workload.Dist{A: 1e9}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := parse(tt.name)
			if w.Cores != tt.cores || w.NumTasks() != tt.tasks || models(w) != tt.models {
				t.Errorf("cores %d, tasks %d, models %q; want %d, %d, %q",
					w.Cores, w.NumTasks(), models(w), tt.cores, tt.tasks, tt.models)
			}
			got := w.Groups[0].Steps[0]
			got.Pos = workload.Pos{}
			if got.Kind != tt.first.Kind || got.Dur != tt.first.Dur || got.Blocking != tt.first.Blocking ||
				got.GILReleased != tt.first.GILReleased {
				t.Errorf("first step %+v, want %+v", got, tt.first)
			}
		})
	}
	for _, name := range []string{"convoy", "convoy-1ms"} {
		w := parse(name)
		io := w.Groups[0].Steps[0]
		if w.Groups[0].Name != "io" || io.Kind != workload.Repeat || io.Count != 200 ||
			io.Steps[0].Dur.A != 500e3 || w.Groups[1].Steps[0].Dur.A != 3e9 {
			t.Errorf("%s: unexpected shape %+v", name, w.Groups)
		}
	}
	if w := parse("convoy-1ms"); w.SwitchInterval != 1e6 {
		t.Errorf("convoy-1ms: switch interval %d, want 1ms", w.SwitchInterval)
	}
}

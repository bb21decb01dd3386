package truth

import (
	"slices"
	"testing"

	"github.com/conclab/conclab/runtime"
)

// TestRunnableModels: the suite on java and go keeps the models their
// programs run, and nothing else; on CPython, every model.
func TestRunnableModels(t *testing.T) {
	scenarios, err := Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Scenario{}
	for _, sc := range scenarios {
		byName[sc.Name] = sc
	}
	tests := []struct {
		runtime, scenario string
		want              []string
	}{
		{"java", "seed-waits", []string{"sync", "threads(3)"}},
		{"go", "mixed-batch", []string{"sync", "threads(6)", "processes(2)"}},
		{"java", "asyncio-10k", nil},
		// input: and output: data, which the Go program does not move to
		// worker processes (under threads nothing moves).
		{"go", "big-payload", []string{"threads(2)"}},
		{"java", "processes-spawn", []string{"processes(2, start=spawn)"}},
		{"cpython", "mixed-batch", []string{"sync", "threads(6)", "asyncio", "processes(2)"}},
		{"cpython-3.11", "big-payload", []string{"processes(2)", "threads(2)"}},
	}
	for _, tt := range tests {
		prof, err := runtime.Builtin(tt.runtime)
		if err != nil {
			t.Fatal(err)
		}
		sc, ok := byName[tt.scenario]
		if !ok {
			t.Fatalf("no scenario %s", tt.scenario)
		}
		got, err := RunnableModels(sc.Workload, prof, 2)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s on %s: models %q, want %q", tt.scenario, tt.runtime, got, tt.want)
		}
	}
}

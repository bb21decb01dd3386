package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/internal/golden"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// runOf simulates an example (or, when name starts with "-e ", an inline
// workload) under expr on 2 cores, keeping every span, as the page does.
func runOf(t *testing.T, name, expr string) report.Run {
	t.Helper()
	var wl *workload.Workload
	var err error
	if inline, ok := strings.CutPrefix(name, "-e "); ok {
		wl, err = workload.ParseInline(inline)
	} else {
		data, found := examples.Lookup(name)
		if !found {
			t.Fatalf("no example %q", name)
		}
		wl, err = workload.Parse(name+".yaml", data)
	}
	if err != nil {
		t.Fatal(err)
	}
	d, err := model.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := runtime.Builtin("cpython")
	if err != nil {
		t.Fatal(err)
	}
	rec := &sim.Recorder{}
	r, err := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2,
		SwitchInterval: 5e6, RecordTasks: true, Sink: rec})
	if err != nil {
		t.Fatal(err)
	}
	return report.Run{Result: r, Spans: rec}
}

// timelineText writes a timeline as the page gets it, a row a line.
func timelineText(t *testing.T, tl timeline) []byte {
	t.Helper()
	var b bytes.Buffer
	head := tl
	head.Rows = nil
	data, err := json.Marshal(head)
	if err != nil {
		t.Fatal(err)
	}
	b.Write(data)
	b.WriteByte('\n')
	for _, r := range tl.Rows {
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// TestTimelineGolden keeps the rows the page draws for runs of each
// shape: threads, an event loop with a row per task and with too many
// tasks for that, processes of threads, and more lanes than rows.
func TestTimelineGolden(t *testing.T) {
	tests := []struct{ name, workload, model string }{
		{"seed_threads", "seed-io", "threads(3)"},
		{"seed_asyncio", "seed-io", "asyncio"},
		{"offload_asyncio", "offload", "asyncio"},
		{"mixed_asyncio", "mixed", "asyncio"},
		{"processes_threads", "-e cores=2; 8 x [work 2ms, wait 100ms]", "processes(2)*threads(3)"},
		{"many_threads", "-e cores=2; 120 x [work 1ms, wait 20ms]", "threads(40)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := timelineOf(runOf(t, tt.workload, tt.model), "")
			golden.Check(t, fmt.Sprintf("testdata/timeline_%s.golden", tt.name), timelineText(t, tl))
		})
	}
}

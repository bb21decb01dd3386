package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunPictures(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		format string
		prefix string
		want   []string
	}{
		{"svg", `<svg xmlns="http://www.w3.org/2000/svg"`, []string{"sync · makespan 6.000 s", "threads(3) · makespan 2.000 s", "asyncio · makespan 2.002 s"}},
		{"html", "<!DOCTYPE html>", []string{"<h1>seed-io</h1>", "<summary>examples/seed-io.yaml</summary>", "switch interval 5ms",
			`id="timeline-3"`, `<article class="story" id="story-3">`, "C finishes"}},
		{"trace", `{"traceEvents":[`, []string{`"sync · main process"`, `"threads(3) · main process"`, `"asyncio · main process"`, `"displayTimeUnit":"ms"`}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			out := filepath.Join(dir, "seed."+tt.format)
			r := conclab(t, nil, "run", "seed-io", "--cores", "2", "--format", tt.format, "-o", out)
			if r.code != exitOK || r.stdout != "" || r.stderr != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			page := string(data)
			if !strings.HasPrefix(page, tt.prefix) {
				t.Errorf("starts %q, want %q", page[:min(len(page), 60)], tt.prefix)
			}
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("lacks %q", w)
				}
			}
			switch tt.format {
			case "trace":
				var doc struct{ TraceEvents []map[string]any }
				if err := json.Unmarshal(data, &doc); err != nil || len(doc.TraceEvents) == 0 {
					t.Errorf("not a trace: %v", err)
				}
			default:
				d := xml.NewDecoder(strings.NewReader(page))
				for {
					if _, err := d.Token(); err != nil {
						if err.Error() != "EOF" {
							t.Errorf("not well-formed: %v", err)
						}
						break
					}
				}
			}
			// The same on standard output.
			if r := conclab(t, nil, "run", "seed-io", "--cores", "2", "--format", tt.format); r.code != exitOK || r.stdout != page {
				t.Errorf("stdout differs from -o (exit %d, %s)", r.code, r.stderr)
			}
		})
	}

	// The stories come from explain: a blocking call on the loop is a warning.
	r := conclab(t, nil, "run", "seed-blocking", "-m", "asyncio", "--format", "html")
	if r.code != exitOK || !strings.Contains(r.stdout, `<li class="warn"><time>0.000 s</time><span>⚠ A starts and calls a blocking wait on the loop`) {
		t.Errorf("seed-blocking's story: exit %d, %s", r.code, r.stderr)
	}

	// An inline workload's report shows the inline form.
	r = conclab(t, nil, "run", "-e", "3 x [wait 2s]", "-m", "asyncio", "--format", "html")
	if r.code != exitOK || !strings.Contains(r.stdout, "<pre><code>3 x [wait 2s]</code></pre>") {
		t.Errorf("inline html: exit %d, %s", r.code, r.stderr)
	}
}

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	r := conclab(t, nil, "explain", "seed-io", "-m", "asyncio", "--cores", "2")
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{
		"seed-io · asyncio · runtime cpython · 2 cores",
		"0.000 s  A starts and awaits a 2 s wait — the loop switches to B\n",
		"A, B and C finish\n",
		"Makespan 2.00",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	checkLines(t, r.stdout, 100)

	// The workload's only model needs no -m; --width wraps.
	r = conclab(t, nil, "explain", "convoy", "--width", "60")
	if r.code != exitOK || !strings.Contains(r.stdout, "GIL: the io thread waited") {
		t.Fatalf("convoy: exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
	}
	checkLines(t, r.stdout, 60)

	r = conclab(t, nil, "explain", "seed-blocking", "-m", "asyncio", "--format", "json")
	var doc struct {
		Model     string  `json:"model"`
		MakespanS float64 `json:"makespan_s"`
		Lines     []struct {
			AtS   float64 `json:"at_s"`
			Text  string  `json:"text"`
			Warn  bool    `json:"warn"`
			Count int     `json:"count"`
		} `json:"lines"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != exitOK {
		t.Fatalf("json: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	warns := 0
	for _, l := range doc.Lines {
		if l.Warn {
			warns++
		}
	}
	if doc.Model != "asyncio" || doc.MakespanS < 5.9 || warns != 3 {
		t.Errorf("json: model %q, makespan %g, %d warnings", doc.Model, doc.MakespanS, warns)
	}

	r = conclab(t, nil, "explain", "-e", "3 x [wait 2s]", "-m", "threads(3)")
	if r.code != exitOK || !strings.Contains(r.stdout, "starts on worker-1 and waits 2 s") {
		t.Errorf("inline: exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
	}
}

func TestExplainBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"explain", "seed-io"}, "missing -m MODEL: explain tells one model's story, and the workload lists 3 (sync, threads(3), asyncio)"},
		{[]string{"explain", "-e", "3 x [wait 2s]"}, "missing -m MODEL"},
		{[]string{"explain", "seed-io", "-m", "sync", "-m", "asyncio"}, "explain tells one model's story, got 2"},
		{[]string{"explain", "seed-io", "-m", "fibers"}, `-m "fibers"`},
		{[]string{"explain", "seed-io", "-m", "asyncio", "--width", "10"}, "--width 10"},
		{[]string{"explain", "seed-io", "-m", "asyncio", "--format", "svg"}, `invalid --format "svg"`},
		{[]string{"explain"}, "missing workload"},
		{[]string{"explain", "-e", "30000 x [wait 1s]", "-m", "asyncio"}, "at most 20,000"},
		{[]string{"explain", "no-such-thing", "-m", "asyncio"}, "no such file"},
	}
	for _, tc := range tests {
		r := conclab(t, nil, tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q (want exit 2 and %q)", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
		if strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%q: stderr is not one line: %q", tc.args, r.stderr)
		}
	}
}

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// whatif ranks the in-lock work first and says so in text and JSON.
func TestWhatif(t *testing.T) {
	const inline = "res lock=1; 100 x job: [wait 5ms, use lock [work 2ms]]"
	r := conclab(t, nil, "whatif", "-e", inline, "-m", "threads(8)", "--speedup", "50%", "--width", "100")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	checkLines(t, r.stdout, 100)
	for _, want := range []string{
		"whatif inline · threads(8) · runtime cpython",
		"4 changes tried, ranked by what they cut of its makespan (a batch):",
		"1  job/2/1  work 2ms  speedup 50%",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no %q in:\n%s", want, r.stdout)
		}
	}
	r = conclab(t, nil, "whatif", "-e", inline, "-m", "threads(8)", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		Model    string `json:"model"`
		RankedBy string `json:"ranked_by"`
		Baseline struct {
			MakespanS float64 `json:"makespan_s"`
		} `json:"baseline"`
		Effects []struct {
			Step           string  `json:"step"`
			Change         string  `json:"change"`
			MakespanChange float64 `json:"makespan_change"`
		} `json:"effects"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	// Four speed-ups of two steps, the work as C code, a second unit.
	if doc.Model != "threads(8)" || doc.RankedBy != "makespan" || doc.Baseline.MakespanS <= 0 || len(doc.Effects) != 10 ||
		doc.Effects[0].Step != "job/2/1" || doc.Effects[0].Change != "speedup 100%" || doc.Effects[0].MakespanChange > -0.6 {
		t.Errorf("JSON: %+v", doc)
	}
}

func TestWhatifBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"whatif", "-e", "[work 1ms]", "--speedup", "50"}, `--speedup "50": want percentages`},
		{[]string{"whatif", "-e", "[work 1ms]", "--speedup", "0%"}, "--speedup 0%: want more than 0% and at most 100%"},
		{[]string{"whatif", "-e", "[work 1ms]", "--speedup", "150%"}, "want more than 0% and at most 100%"},
		{[]string{"whatif", "-e", "[work 1ms]"}, "whatif needs a model: give one with -m"},
		{[]string{"whatif", "-e", "[work 1ms]", "-m", "threads(0)"}, "threads(0)"},
		{[]string{"whatif", "-e", "[work 1ms]", "-m", "sync", "--top", "0"}, "--top 0: want at least 1"},
		{[]string{"whatif", "-e", "[work 1ms]", "-m", "sync", "--format", "png"}, `invalid --format "png" (want text, json, svg or html)`},
	} {
		r := conclab(t, nil, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.err) || r.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.err)
		}
	}
}

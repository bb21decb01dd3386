package truth

import (
	"math"
	"testing"
)

// BestOf keeps each row's attempt closest to its prediction and sums up
// those rows: a row that missed once (the machine's slow state) passes on
// its better attempt, and one that misses every time still fails.
func TestBestOf(t *testing.T) {
	row := func(w string, e float64, busy bool) SuiteRow {
		return SuiteRow{Workload: w, Model: "threads(2)", Error: e, Busy: busy}
	}
	first := &SuiteReport{Repeat: 3, Rows: []SuiteRow{row("a", 0.52, true), row("b", -0.04, false), row("c", 0.118, false)}}
	second := &SuiteReport{Rows: []SuiteRow{row("a", 0.02, false), row("b", 0.30, true), row("c", -0.03, false)}}
	got := BestOf([]*SuiteReport{first, second})
	want := map[string]float64{"a": 0.02, "b": -0.04, "c": -0.03}
	if len(got.Rows) != 3 {
		t.Fatalf("%d rows, want 3", len(got.Rows))
	}
	for _, r := range got.Rows {
		if r.Error != want[r.Workload] || r.Busy {
			t.Errorf("%s: error %v busy %v, want %v quiet", r.Workload, r.Error, r.Busy, want[r.Workload])
		}
	}
	if got.Busy != 0 || got.Repeat != 3 || math.Abs(got.WorstAbsError-0.04) > 1e-12 || math.Abs(got.MedianAbsError-0.03) > 1e-12 {
		t.Errorf("busy %d repeat %d median %v worst %v, want 0 3 0.03 0.04", got.Busy, got.Repeat, got.MedianAbsError, got.WorstAbsError)
	}
	if v := got.Verdict(0.10, 0.10); v != Within {
		t.Errorf("verdict %v, want within", v)
	}
	// The attempts themselves are left as they were.
	if first.Rows[0].Error != 0.52 || first.Busy != 0 {
		t.Errorf("the first attempt changed: %+v", first.Rows[0])
	}
	// A row beyond the bar in every attempt fails the combination.
	third := &SuiteReport{Rows: []SuiteRow{row("a", 0.15, false)}}
	fourth := &SuiteReport{Rows: []SuiteRow{row("a", -0.12, false)}}
	if got := BestOf([]*SuiteReport{third, fourth}); got.Verdict(0.10, 0.10) != Beyond || got.WorstAbsError != 0.12 {
		t.Errorf("a row off by 12-15 %% every time: verdict %v, worst %v; want beyond, 0.12", got.Verdict(0.10, 0.10), got.WorstAbsError)
	}
	if BestOf(nil) != nil {
		t.Error("BestOf(nil) is not nil")
	}
}

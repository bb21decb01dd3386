package workload

import (
	"math"
	"testing"
)

func TestSteps(t *testing.T) {
	tests := []struct {
		name, text string
		want       int64
	}{
		{"one step", `tasks: [{steps: [{work: 1ms}]}]`, 1},
		{"copies", `tasks: [{count: 3, steps: [{work: 1ms}, {wait: 2ms}]}]`, 6},
		{"groups add", `tasks: [{name: a, count: 2, steps: [{work: 1ms}]}, {name: b, count: 5, steps: [{wait: 1ms}, {wait: 1ms}, {wait: 1ms}]}]`, 17},
		{"repeats multiply", `tasks: [{count: 10, steps: [{work: 1ms}, {repeat: 4, steps: [{wait: 1ms}, {repeat: 5, steps: [{work: 1ms}]}]}]}]`, 10 * (1 + 4*(1+5))},
		{"arrivals count", `{arrivals: {rate: 10/s, count: 7}, tasks: [{steps: [{work: 1ms}, {wait: 1ms}]}]}`, 14},
		{"arrivals window", `{arrivals: {rate: 50/s, for: 10s}, tasks: [{steps: [{work: 2ms}, {wait: 30ms}]}]}`, 1000},
		// Arrivals pick a group by weight: a quarter make 2 steps, three
		// quarters 6, so 5 on average.
		{"weighted mean", `{arrivals: {rate: 100/s, for: 1s}, tasks: [{name: a, weight: 1, steps: [{work: 1ms}, {wait: 1ms}]}, {name: b, weight: 3, steps: [{repeat: 3, steps: [{work: 1ms}, {wait: 1ms}]}]}]}`, 500},
		{"window below one arrival", `{arrivals: {rate: 1/min, for: 10s}, tasks: [{steps: [{work: 1ms}]}]}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wl, err := Parse("w.yaml", []byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if got := wl.Steps(); got != tt.want {
				t.Errorf("Steps() = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestStepsInline(t *testing.T) {
	tests := []struct {
		text string
		want int64
	}{
		{"1000 x [repeat 1000000000 [work 1ns]]", 1_000_000_000_000},
		{"3 x [work 1ms, wait 2s]; 2 x [repeat 10 [work 1ms, wait 1ms]]", 3*2 + 2*20},
	}
	for _, tt := range tests {
		wl, err := ParseInline(tt.text)
		if err != nil {
			t.Fatal(err)
		}
		if got := wl.Steps(); got != tt.want {
			t.Errorf("%s: Steps() = %d, want %d", tt.text, got, tt.want)
		}
	}
}

// Steps saturates where tasks × steps leaves int64, closed and open alike.
func TestStepsSaturates(t *testing.T) {
	deep := []Step{{Kind: Work, Dur: Dist{A: 1}}}
	for range 3 {
		deep = []Step{{Kind: Repeat, Count: MaxRepeat, Steps: deep}}
	}
	closed := &Workload{Groups: []Group{{Name: "a", Count: MaxTasks, Weight: 1, Steps: deep}}}
	if got := closed.Steps(); got != math.MaxInt64 {
		t.Errorf("closed: Steps() = %d, want math.MaxInt64", got)
	}
	open := &Workload{Arrivals: &Arrivals{Rate: 1e9, For: 1e12}, Groups: closed.Groups}
	if got := open.Steps(); got != math.MaxInt64 {
		t.Errorf("open: Steps() = %d, want math.MaxInt64", got)
	}
}

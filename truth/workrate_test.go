package truth

import "testing"

// hasWork finds a work step at any depth: a task whose only work is inside
// a use, a choice or a gather's branch still needs the work rate (the
// exported program once got WORK_RATE = 0 for it, and its work ran slices
// of one iteration until the clock said how fast they went).
func TestHasWorkAtAnyDepth(t *testing.T) {
	work := Step{Kind: Work, Dur: 1e6}
	wait := Step{Kind: Wait, Dur: 1e6}
	for _, c := range []struct {
		name  string
		steps []Step
		want  bool
	}{
		{"top level", []Step{wait, work}, true},
		{"in a choice", []Step{{Kind: Choose, Steps: []Step{work}}}, true},
		{"in a use", []Step{{Kind: Use, Steps: []Step{wait, work}}}, true},
		{"in a branch", []Step{{Kind: Gather, Branches: [][]Step{{wait}, {work}}}}, true},
		{"waits only", []Step{wait, {Kind: Choose, Steps: []Step{wait}}, {Kind: Gather, Branches: [][]Step{{wait}}}}, false},
	} {
		if got := hasWork([]Task{{Name: "t", Steps: c.steps}}); got != c.want {
			t.Errorf("%s: hasWork = %v, want %v", c.name, got, c.want)
		}
	}
}

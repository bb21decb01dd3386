package record

import "testing"

// A task that waits for a map's futures one result() at a time waits for
// the gather of them all once: the later result() calls are no waits of
// their own (they would count the children's time again). A wait for a
// task it did not start stays a wait.
func TestOpsResultsOfOneGather(t *testing.T) {
	task := &Task{Kind: "thread", Steps: []Step{
		{Kind: 'w', NS: 1_000_000},
		{Kind: 'g', Children: []int{1, 2, 3}},
		{Kind: 'j', NS: 30_000_000},
		{Kind: 'j', NS: 5_000_000},
		{Kind: 'w', NS: 10_000},
		{Kind: 'j', NS: 2_000_000},
		{Kind: 'w', NS: 1_000_000},
		{Kind: 'i', NS: 4_000_000, What: "time.sleep"},
		{Kind: 'w', NS: 1_000_000},
		{Kind: 'j', NS: 7_000_000},
	}}
	out, _, _ := ops(task)
	var kinds []opKind
	for _, o := range out {
		if o.kind != opWork {
			kinds = append(kinds, o.kind)
		}
	}
	if len(kinds) != 3 || kinds[0] != opGather || kinds[1] != opWait || kinds[2] != opWait || out[len(out)-2].ns != 7_000_000 {
		t.Errorf("steps %+v, want the gather, the sleep and a 7 ms wait for another task", out)
	}
}

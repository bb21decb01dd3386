package runtime

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// GILHandoverScript is runtime/gil_handover.py: CPU-bound threads take turns
// on the GIL, and it prints who got the GIL at each hand-over and how long
// each thread waited. forcedToNewest comes from it; truth.CheckHandover runs
// it to compare the engine's hand-overs with an interpreter's.
//
//go:embed gil_handover.py
var GILHandoverScript string

// Handover is the document gil_handover.py prints.
type Handover struct {
	Python         string        `json:"python"`
	Threads        int           `json:"threads"`
	Seconds        float64       `json:"seconds"`
	SwitchInterval float64       `json:"switch_interval"`
	Burst          float64       `json:"burst"`
	Clock          float64       `json:"clock"` // seconds between reads of each thread's CPU clock; 0: none
	Runs           []HandoverRun `json:"runs"`
}

// HandoverRun is one run: the hand-overs, by the rank among the waiters of
// the thread that got the GIL (0: the longest waiter), and the waits of
// all threads together and of each (in seconds).
type HandoverRun struct {
	Handovers       int         `json:"handovers"`
	ToLongestWaiter float64     `json:"to_longest_waiter"`
	ToNewestWaiter  float64     `json:"to_newest_waiter"` // to the thread that held the GIL just before
	Ranks           []int       `json:"ranks"`
	All             WaitStats   `json:"all"`
	Waits           []WaitStats `json:"waits"`
}

// WaitStats summarises GIL waits, in seconds.
type WaitStats struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// ParseHandover reads gil_handover.py's output.
func ParseHandover(data []byte) (*Handover, error) {
	var h Handover
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("reading gil_handover.py's output: %w", err)
	}
	if h.Threads < 2 || len(h.Runs) == 0 {
		return nil, fmt.Errorf("reading gil_handover.py's output: %d threads, %d runs", h.Threads, len(h.Runs))
	}
	for i, r := range h.Runs {
		if r.All.N == 0 {
			return nil, fmt.Errorf("reading gil_handover.py's output: run %d saw no wait for the GIL", i+1)
		}
	}
	return &h, nil
}

package sim

import (
	stdheap "container/heap"
	"testing"
)

// The bare loop is the floor the engine is measured against (issue 16):
// the million shape, 1,000,000 tasks of [work 1ms, wait 2s] on one event
// loop, simulated by the plainest Go there is: a FIFO ready queue, a
// container/heap of timers, a clock, and nothing else (no costs, no GIL,
// no statistics, no spans). The engine does far more per task; it should
// not take more than about 1.5 times as long.

type bareTimer struct {
	due  int64
	seq  int64
	task int32
}

type bareTimers []bareTimer

func (h bareTimers) Len() int { return len(h) }
func (h bareTimers) Less(i, j int) bool {
	return h[i].due < h[j].due || (h[i].due == h[j].due && h[i].seq < h[j].seq)
}
func (h bareTimers) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *bareTimers) Push(x any)   { *h = append(*h, x.(bareTimer)) }
func (h *bareTimers) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// bareLoop runs n tasks of [work w, wait d] on one loop and returns the
// makespan.
func bareLoop(n int, w, d int64) int64 {
	pc := make([]uint8, n) // each task's next step
	ready := make([]int32, 0, n)
	for i := range n {
		ready = append(ready, int32(i))
	}
	var timers bareTimers
	var now, seq int64
	head := 0
	for head < len(ready) || timers.Len() > 0 {
		if head == len(ready) {
			// Idle: sleep until the first timer is due.
			ready, head = ready[:0], 0
			now = timers[0].due
		}
		// Every iteration, the timers due join the back of the ready queue.
		for timers.Len() > 0 && timers[0].due <= now {
			ready = append(ready, stdheap.Pop(&timers).(bareTimer).task)
		}
		if head > len(ready)/2 && head > 4096 {
			ready, head = append(ready[:0], ready[head:]...), 0
		}
		t := ready[head]
		head++
		switch pc[t] {
		case 0: // work w holds the loop, then wait d
			now += w
			pc[t] = 1
			seq++
			stdheap.Push(&timers, bareTimer{due: now + d, seq: seq, task: t})
		case 1: // resumed after its wait: done
			pc[t] = 2
		}
	}
	return now
}

func BenchmarkBareLoopMillion(b *testing.B) {
	b.ReportAllocs()
	var end int64
	for b.Loop() {
		end = bareLoop(1_000_000, 1_000_000, 2_000_000_000)
	}
	b.ReportMetric(float64(end)/1e9, "virtual-s")
}

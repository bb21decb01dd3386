package explain

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"

	"github.com/conclab/conclab/internal/numfmt"
)

// summary is the closing line: the makespan, where the tasks' time went,
// and what the GIL, the loop and the CPU did.
func (n *narrator) summary() Line {
	r := n.r
	var b strings.Builder
	fmt.Fprintf(&b, "Makespan %s under %s (%s)", report.Seconds(r.Makespan), r.Model, numfmt.Count(r.Tasks, "task", "tasks"))

	var spent [sim.NumStates]int64
	var total int64
	for _, spans := range n.taskSpans.lists() {
		for _, s := range spans {
			if d := s.End - s.Start; d > 0 && int(s.State) < len(spent) {
				spent[s.State] += d
				total += d
			}
		}
	}
	if total > 0 {
		type part struct {
			what string
			d    int64
		}
		parts := []part{
			{"waiting for I/O", spent[sim.Waiting]},
			{"computing", spent[sim.Working] + spent[sim.WorkingC]},
			{"waiting for the GIL", spent[sim.GILWait]},
			{n.readyWhat(), spent[sim.Ready]},
			{"stalled behind blocking calls on the loop", spent[sim.Blocked]},
			{"waiting for resources (pools, locks)", spent[sim.ResourceWait]},
			{"moving data to and from worker processes", spent[sim.Pickling]},
		}
		slices.SortStableFunc(parts, func(a, b part) int { return cmp.Compare(b.d, a.d) })
		var said []string
		for i, p := range parts {
			if i == 2 || p.d*100 < total || (i == 1 && p.d*10 < total) {
				break
			}
			if i == 0 {
				said = append(said, percent(p.d, total)+" of their time "+p.what)
			} else {
				said = append(said, percent(p.d, total)+" "+p.what)
			}
		}
		if len(said) > 0 {
			fmt.Fprintf(&b, ": the tasks spent %s", list(said))
			if parts[0].what == "waiting for I/O" && r.Makespan > 0 && spent[sim.Waiting] > r.Makespan*11/10 {
				b.WriteString(", and their waits overlapped")
			}
		}
	}
	b.WriteString(".")
	if r.UpFront {
		b.WriteString(" The worker processes were up before the first request, as a server starts them before it takes requests: their start-ups are not in its timeline.")
	}
	b.WriteString(n.burst())
	if r.GILWait > 0 || r.GILSwitches > 0 {
		fmt.Fprintf(&b, " GIL: %s of waiting in all, %s hand-overs.", report.Seconds(r.GILWait), numfmt.Thousands(r.GILSwitches))
	}
	if r.SlowCallbacks > 0 {
		fmt.Fprintf(&b, " The loop stalled for up to %s; asyncio would report %s.", report.Seconds(r.LoopStallMax),
			numfmt.Count(r.SlowCallbacks, "slow callback", "slow callbacks"))
	}
	if r.NetpollSleeps > 0 {
		fmt.Fprintf(&b, " Go's netpoller ended %s, %s after they were due in all: with no goroutine blocking "+
			"after a timer is due, the runtime's epoll_wait wakes in whole milliseconds.",
			numfmt.Count(r.NetpollSleeps, "sleep", "sleeps"), report.Seconds(r.NetpollLate))
	}
	fmt.Fprintf(&b, " The CPU was %s busy on %s.", numfmt.Percent(r.CPUUtilization), numfmt.Count(r.Cores, "core", "cores"))
	return Line{At: r.Makespan, Text: b.String(), Count: 1}
}

// readyWhat says what a ready task waits for under this model.
func (n *narrator) readyWhat() string {
	switch {
	case n.d.UsesAsyncio():
		return "waiting for the loop"
	case n.d.Kind == model.Sync:
		return "waiting their turn"
	case n.d.Kind == model.Processes && n.d.Inner == nil:
		return "waiting for a worker process"
	case n.d.Kind == model.ThreadPerTask && n.mainOf(0) >= 0:
		return "waiting for their threads to start"
	case n.d.Kind == model.ThreadPool && n.mainOf(0) >= 0:
		return "waiting to be submitted or for a free worker"
	}
	return "waiting for a free worker"
}

// burst says when one worker's event loop took a burst of tasks at one
// wake-up while another worker's loop sat idle: the largest such burst,
// from the engine's accepted causes; "" when none.
func (n *narrator) burst() string {
	type take struct{ lane, head int32 }
	type seen struct {
		k    int
		a, b int64
	}
	bursts := map[take]*seen{}
	for _, spans := range n.taskSpans.lists() {
		for _, s := range spans {
			if s.Cause.Kind != sim.Accepted || !n.known(s.Cause.Lane) {
				continue
			}
			t := take{s.Cause.Lane, s.Cause.Task}
			if bursts[t] == nil {
				bursts[t] = &seen{a: s.Start, b: s.End}
			}
			x := bursts[t]
			x.k++
			x.a, x.b = min(x.a, s.Start), max(x.b, s.End)
		}
	}
	all := make([]take, 0, len(bursts))
	for t := range bursts {
		all = append(all, t)
	}
	slices.SortFunc(all, func(x, y take) int {
		return cmp.Or(cmp.Compare(bursts[y].k, bursts[x].k), cmp.Compare(x.lane, y.lane), cmp.Compare(x.head, y.head))
	})
	// The largest few: each look at the other loops reads their spans.
	for _, t := range all[:min(len(all), 16)] {
		x := bursts[t]
		if idle := n.idleLoops(t.lane, x.a, x.b); len(idle) > 0 {
			return fmt.Sprintf(" One worker took the burst: %s took %s at one wake-up while %s sat idle, since a worker's event loop takes every queued task at once (uvicorn's workers accept every waiting connection).",
				n.lanes[t.lane].Name, numfmt.Count(x.k+1, "task", "tasks"), list(idle))
		}
	}
	return ""
}

package explain

import (
	"fmt"
	"slices"

	"github.com/conclab/conclab/internal/numfmt"
)

// resourceName names resource r for a sentence: "the lock ledger" for a
// capacity of 1, else "one of the 10 db units".
func (n *narrator) resourceName(r int32) string {
	if n.wl == nil || r < 0 || int(r) >= len(n.wl.Resources) {
		return "a resource"
	}
	res := n.wl.Resources[r]
	if res.Capacity == 1 {
		return "the lock " + res.Name
	}
	return fmt.Sprintf("one of the %d %s units", res.Capacity, res.Name)
}

// resourceHeld names the resource e waited for and who held it when the
// wait began, as the engine recorded the units taken and given back:
// "one of the 10 db units: all are held, by req-1 … req-10".
func (n *narrator) resourceHeld(e *event) string {
	what := n.resourceName(e.peer)
	names, count := n.holderText(e)
	switch count {
	case 0:
		return what
	case 1:
		return what + ", held by " + names
	}
	return what + ": all are held, by " + names
}

// bargedNote tells, for a wait that ended in a wake-up for a unit another
// thread took first, who took it.
func (n *narrator) bargedNote(e *event) string {
	if e.barges == 0 {
		return ""
	}
	who := "another thread"
	if e.otask >= 0 {
		who = n.name(e.otask)
	}
	s := fmt.Sprintf("; woken when one was given back, it found it taken by %s, which asked later "+
		"(threading.BoundedSemaphore serves whoever asks first), and queued again", who)
	if e.barges > 1 {
		s += fmt.Sprintf(" (%s in all)", numfmt.Count(int(e.barges), "time", "times"))
	}
	return s
}

// holderText names the tasks that held e's resource when e began, and
// says how many they were.
func (n *narrator) holderText(e *event) (string, int) {
	holders := n.holdersAt(e.peer, e.task, e.at)
	if len(holders) == 0 {
		return "", 0
	}
	names := n.taskList(holders)
	if len(holders) > 3 {
		names = n.name(holders[0]) + " … " + n.name(holders[len(holders)-1])
		if len(holders) > 2 {
			names = fmt.Sprintf("%s (%d tasks)", names, len(holders))
		}
	}
	return names, len(holders)
}

// holdersAt returns the tasks that held units of resource r at instant at,
// in the instance that task t took its unit from once its wait was over
// (each worker process has its own, scope process): the takes and
// give-backs up to that instant, replayed.
func (n *narrator) holdersAt(r, t int32, at int64) []int32 {
	inst := int32(-1)
	for _, h := range n.holds {
		if h.Take && h.Task == t && int32(h.Resource) == r && h.At >= at {
			inst = h.Instance
			break
		}
	}
	if inst < 0 {
		return nil // never got it: a deadlock's wait
	}
	held := map[int32]int{}
	for _, h := range n.holds {
		if h.At > at {
			break
		}
		if int32(h.Resource) != r || h.Instance != inst || h.Wait {
			continue
		}
		if h.Take {
			held[h.Task]++
		} else if held[h.Task]--; held[h.Task] <= 0 {
			delete(held, h.Task)
		}
	}
	delete(held, t)
	out := make([]int32, 0, len(held))
	for task := range held {
		out = append(out, task)
	}
	slices.Sort(out)
	return out
}

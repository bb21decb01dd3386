package explain

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/sim"

	"github.com/conclab/conclab/internal/numfmt"
)

// This file tells the gathers of a run from what the engine recorded of
// each (sim.Gather): who gathered how many branches when, what making them
// cost, how they ran under the model, and when the gatherer went on,
// after which branch.

// gathersTold is how many gathers of one kind (by tasks, by branches) are
// told one by one; more are told as the first and one line of the rest.
const gathersTold = 3

// gatherLines tells the run's gathers: the tasks' own, then their
// branches', in time order.
func (n *narrator) gatherLines() []Line {
	var tasks, branches []sim.Gather
	for _, g := range n.gathers {
		if g.Branch < 0 {
			tasks = append(tasks, g)
		} else {
			branches = append(branches, g)
		}
	}
	var lines []Line
	for _, gs := range [][]sim.Gather{tasks, branches} {
		if len(gs) == 0 {
			continue
		}
		sortGathers(gs)
		if len(gs) <= gathersTold {
			for _, g := range gs {
				lines = append(lines, Line{At: g.At, Text: n.gatherText(g, len(lines) > 0), Count: 1})
			}
			continue
		}
		lines = append(lines, Line{At: gs[0].At, Text: n.gatherText(gs[0], len(lines) > 0), Count: 1})
		lines = append(lines, Line{At: gs[1].At, Text: n.moreGathers(gs[1:]), Count: len(gs) - 1})
	}
	return lines
}

// sortGathers puts gathers in the order they began (the engine records
// them as they end).
func sortGathers(gs []sim.Gather) {
	slices.SortStableFunc(gs, func(a, b sim.Gather) int { return cmp.Compare(a.At, b.At) })
}

// gatherText tells one gather: "crawl gathers 6 branches at 147 ms (6
// child tasks, 2.76 µs each to create); it resumes at 679 ms when the
// last, crawl/4, finishes". Brief says how a thread pool takes the
// branches was told already, by an earlier line.
func (n *narrator) gatherText(g sim.Gather, brief bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s gathers %s at %s", g.Name, numfmt.Count(g.Count, "branch", "branches"), short(g.At))
	each := ""
	if g.Created >= g.At && g.Count > 0 {
		each = short((g.Created-g.At)/int64(g.Count)) + " each"
	}
	pool := n.threadPool()
	switch {
	case g.Run == sim.Inline:
		fmt.Fprintf(&b, ": its thread runs them one after another (%s)", n.inlineWhy())
	case g.Run == sim.Eager:
		fmt.Fprintf(&b, " (%s, created eagerly: each runs at once, inside the gather, until its first await)",
			numfmt.Count(g.Count, "child task", "child tasks"))
	case pool != nil && brief:
	case pool != nil:
		b.WriteString(": its thread " + n.submitWords(*pool, g.Count, each) + ", and blocks until they finish")
	default:
		fmt.Fprintf(&b, " (%s", numfmt.Count(g.Count, "child task", "child tasks"))
		if each != "" {
			b.WriteString(", " + each + " to create")
		}
		b.WriteString(")")
	}
	switch {
	case g.Done >= 0 && g.Last >= 0 && int(g.Last) < len(n.branches):
		verb := "resumes"
		if g.Run == sim.Inline {
			verb = "goes on"
		}
		fmt.Fprintf(&b, "; it %s at %s when the last, %s, finishes", verb, short(g.Done), n.branches[g.Last].Name)
	case g.Done >= 0:
		fmt.Fprintf(&b, "; it goes on at %s", short(g.Done))
	case !brief && n.poolDeadlock():
		b.WriteString("; it never resumes: every thread of the pool ends up waiting for branches queued behind it (the deadlock below)")
	default:
		b.WriteString("; it never resumes (the deadlock below)")
	}
	return b.String()
}

// moreGathers tells the rest of a run's gathers in one line: "399 more
// gathers, by page-2 … page-400: 3 branches each; each went on 38.2 ms
// after it began on average, up to 190 ms".
func (n *narrator) moreGathers(gs []sim.Gather) string {
	var b strings.Builder
	branches, same := 0, true
	var sum, most int64
	done := 0
	for _, g := range gs {
		branches += g.Count
		same = same && g.Count == gs[0].Count
		if g.Done >= 0 {
			d := g.Done - g.At
			sum += d
			most = max(most, d)
			done++
		}
	}
	fmt.Fprintf(&b, "%s more %s, by %s", numfmt.Thousands(len(gs)), numfmt.Plural(len(gs), "gather", "gathers"), gs[0].Name)
	if len(gs) > 1 {
		fmt.Fprintf(&b, " … %s", gs[len(gs)-1].Name)
	}
	if same {
		fmt.Fprintf(&b, ": %s each", numfmt.Count(gs[0].Count, "branch", "branches"))
	} else {
		fmt.Fprintf(&b, ": %s in all", numfmt.Count(branches, "branch", "branches"))
	}
	if done > 0 {
		fmt.Fprintf(&b, "; each went on %s after it began on average, up to %s, when its slowest branch finished", short(sum/int64(done)), short(most))
	}
	if done < len(gs) {
		fmt.Fprintf(&b, "; %s never went on (the deadlock below)", numfmt.Thousands(len(gs)-done))
	}
	return b.String()
}

// threadPool is the thread pool the run's gathers submit to, when they
// submit (a pool or a thread per task, possibly in each worker process).
func (n *narrator) threadPool() *model.Deployment {
	d := n.d
	if d.Kind == model.Processes && d.Inner != nil {
		d = *d.Inner
	}
	if d.Kind == model.ThreadPool || d.Kind == model.ThreadPerTask {
		return &d
	}
	return nil
}

// submitWords says where a thread's gather puts its count branches,
// with what each cost ("7.41 µs each", or "").
func (n *narrator) submitWords(d model.Deployment, count int, each string) string {
	if each != "" {
		each = " (" + each + ")"
	}
	them, queue := "them", "they queue"
	if count == 1 {
		them, queue = "it", "it queues"
	}
	switch {
	case d.Kind == model.ThreadPerTask || d.Threads == 0:
		return "starts a thread for each" + each
	case d.Fanout > 0:
		return fmt.Sprintf("submits %s to the fanout pool of %s%s", them, numfmt.Count(d.Fanout, "thread", "threads"), each)
	}
	return fmt.Sprintf("submits %s to the same pool of %s it runs on%s, where %s behind the work already there",
		them, numfmt.Count(d.Threads, "thread", "threads"), each, queue)
}

// inlineWhy says why a gather's branches run one after another.
func (n *narrator) inlineWhy() string {
	if n.d.Kind == model.Processes {
		return "inside a worker process, nothing runs them at once"
	}
	return "sync code runs no two at once"
}

// poolDeadlock says whether the run's deadlock is pool threads waiting for
// branches queued behind them.
func (n *narrator) poolDeadlock() bool {
	d := n.r.Deadlock
	if d == nil {
		return false
	}
	for _, l := range d.Cycle {
		if strings.HasPrefix(l.WaitsFor, "a free ") {
			return true
		}
	}
	return false
}

// gatherWait says whether span s of task t is the task waiting for the
// branches it gathered (told by its gather's line, not as a wait).
func (n *narrator) gatherWait(t int32, s sim.Span) bool {
	for _, i := range n.taskGathers[t] {
		g := &n.gathers[i]
		if g.Run == sim.Inline || g.Created < 0 {
			continue
		}
		if s.Start >= g.Created && (g.Done < 0 || s.Start <= g.Done) {
			return true
		}
	}
	return false
}

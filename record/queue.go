package record

import (
	"fmt"
	"slices"
	"strings"
)

// A task that takes items from a queue of the program's (a consumer: a
// worker thread's or a worker coroutine's `while True: item = q.get()`)
// is not one task of the workload: each item it took is, from the get to
// the next, released when the item was put. What the consumer did before
// its first item is its start-up, and a last item that did nearly nothing
// (the None that tells it to stop) is no task.

// minItem is the CPU under which a consumer's last item, with no step
// besides CPU, is the signal to stop rather than an item of work.
const minItem = 200_000

// item is one item a consumer took, as a task of the workload.
type item struct {
	ops   []op
	put   int64 // when it was put, on the recorder's clock
	queue int64
}

// items splits a consumer's steps at the items it took from the
// recording's queues; nil when it took none.
func items(in []op, rec *Recording) []item {
	known := func(id int64) bool {
		return slices.ContainsFunc(rec.Queues, func(q Queue) bool { return q.ID == id })
	}
	if !slices.ContainsFunc(in, func(o op) bool { return o.kind == opGet && known(o.res) }) {
		return nil
	}
	var out []item
	cur := -1
	for _, o := range in {
		if o.kind == opGet && known(o.res) {
			out = append(out, item{put: o.put, queue: o.res})
			cur = len(out) - 1
			continue
		}
		if cur >= 0 && o.kind != opGet {
			out[cur].ops = append(out[cur].ops, o)
		}
	}
	for i := range out {
		out[i].ops = tidy(out[i].ops)
	}
	if last := out[len(out)-1]; len(out) > 1 && onlyWork(last.ops) && ownTime(last.ops) < minItem {
		out = out[:len(out)-1]
	}
	return out
}

// onlyWork: in has no step but CPU.
func onlyWork(in []op) bool {
	return !slices.ContainsFunc(in, func(o op) bool { return o.kind != opWork })
}

// dropKids removes the tasks gone from the gathers of in (a consumer is
// no branch of its parent: its items are tasks of their own), and the
// gathers left with none.
func dropKids(in []op, gone func(int) bool) []op {
	out := in[:0:0]
	for _, o := range in {
		switch o.kind {
		case opGather:
			o.kids = slices.DeleteFunc(slices.Clone(o.kids), gone)
			if len(o.kids) == 0 {
				continue
			}
		case opUse, opRepeat:
			o.body = dropKids(o.body, gone)
		}
		out = append(out, o)
	}
	return tidy(out)
}

// queueOf is the recording's queue id.
func queueOf(rec *Recording, id int64) *Queue {
	for i := range rec.Queues {
		if rec.Queues[i].ID == id {
			return &rec.Queues[i]
		}
	}
	return nil
}

// consumers says which tasks took items from queue q (their ids), and
// of which kind they mostly are.
func (f *folder) consumers(q int64) (ids []int, kind string) {
	kinds := map[string]int{}
	for i, its := range f.items {
		if len(its) > 0 && its[0].queue == q {
			ids = append(ids, i)
			kinds[f.rec.Tasks[i].Kind]++
		}
	}
	n := 0
	for k, c := range kinds {
		if c > n || c == n && k < kind {
			kind, n = k, c
		}
	}
	return ids, kind
}

// queueModel is the model a program whose tasks are mostly a queue's
// items used: as many workers as took items from it, threads or tasks on
// an event loop.
func (f *folder) queueModel(es []entry) (model, why string) {
	count := map[int64]int{}
	for _, e := range es {
		if e.kind == "item" {
			count[e.queue]++
		}
	}
	var top int64
	for q, n := range count {
		if n > count[top] || n == count[top] && q < top {
			top = q
		}
	}
	ids, kind := f.consumers(top)
	q := queueOf(f.rec, top)
	made := ""
	if q != nil {
		made = fmt.Sprintf("%s made at %s", q.Made(), q.Site)
	}
	switch kind {
	case "async":
		return fmt.Sprintf("asyncio(limit=%d)", len(ids)),
			fmt.Sprintf("the program's own: %d asyncio tasks taking %d items from %s", len(ids), count[top], made)
	case "pool":
		if t := &f.rec.Tasks[ids[0]]; t.Pool != nil {
			if p := poolOf(f.rec, t.Pool); p != nil && p.Kind == "threads" {
				return fmt.Sprintf("threads(%d)", p.Workers), fmt.Sprintf("the program's own: %s work items taking %d items from %s",
					p.Made(), count[top], made)
			}
		}
	}
	return fmt.Sprintf("threads(%d)", len(ids)), fmt.Sprintf("the program's own: %d threads taking %d items from %s", len(ids), count[top], made)
}

// queueFindings say, per queue, how its items became tasks, and how long
// the program's puts waited for room in a bounded one. The recorder
// stamps such an item with when its producer would have put it had there
// been room (its time less its earlier waits for room): the bound held
// the producer back only while the consumers had a backlog, so it changes
// no consumer's time, and under more consumers than the program had the
// items come as fast as the producer made them.
func (f *folder) queueFindings() []string {
	var out []string
	for _, q := range f.rec.Queues {
		ids, kind := f.consumers(q.ID)
		if len(ids) == 0 {
			continue
		}
		n := 0
		for _, i := range ids {
			n += len(f.items[i])
		}
		who := "threads"
		if kind == "async" {
			who = "asyncio tasks"
		}
		s := fmt.Sprintf("%s made at %s: %d items taken by %d %s, each a task released when it was put", q.Made(), q.Site, n, len(ids), who)
		if q.HeldBack() {
			s = fmt.Sprintf("%s made at %s: %d items taken by %d %s, each a task released when it would have been put with room to spare: "+
				"the puts waited %s for room in all, which held the producer back only while the consumers had a backlog, "+
				"so more or faster consumers than here get the items sooner", q.Made(), q.Site, n, len(ids), who, durS(sec(q.PutWait)))
		}
		if strings.HasSuffix(q.Kind, "PriorityQueue") {
			s += "; the program took them by priority, the model takes them in the order they were put"
		}
		out = append(out, s)
	}
	return out
}

// mostlyItems: more of es are a queue's items than of any other kind.
func mostlyItems(es []entry) bool {
	kinds := map[string]int{}
	for _, e := range es {
		kinds[e.kind]++
	}
	for k, n := range kinds {
		if k != "item" && n >= kinds["item"] {
			return false
		}
	}
	return kinds["item"] > 0
}

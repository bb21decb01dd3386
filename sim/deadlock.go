package sim

// deadlock is called when nothing can ever happen again but tasks are
// unfinished. It finds tasks that wait for each other in a cycle and
// returns it, or nil when there is none (the engine is then broken). A
// task waits for
//   - the holders of the resource instance it waits for;
//   - its unfinished branches, while it waits for its gather;
//   - the tasks on the threads of the pool whose queue it waits in (a
//     branch submitted to a pool whose threads are all taken);
//   - the task whose blocking call holds the event loop it waits on.
func (e *engine) deadlock() *Deadlock {
	if !e.tree {
		return nil
	}
	n := int32(len(e.slots))
	live := make([]bool, n)
	for i := range live {
		live[i] = true
	}
	for _, i := range e.freeSlot {
		live[i] = false
	}
	// Nodes: slots, then resource instances, then pools.
	instNode := func(x int32) int32 { return n + x }
	var pools []*pool
	poolNode := map[*pool]int32{}
	addPool := func(pl *pool) int32 {
		if id, ok := poolNode[pl]; ok {
			return id
		}
		id := n + int32(len(e.inst)) + int32(len(pools))
		pools = append(pools, pl)
		poolNode[pl] = id
		return id
	}
	queuedIn := map[int32]int32{} // slot → pool node
	children := map[int32][]int32{}
	runsOn := map[int32]*thread{}
	for _, th := range e.threads {
		if th.slot >= 0 && th.role != roleJob {
			runsOn[th.slot] = th
		}
	}
	for i := int32(0); i < n; i++ {
		if live[i] && e.frames[i].parent >= 0 {
			children[e.frames[i].parent] = append(children[e.frames[i].parent], i)
		}
	}
	e.central.each(func(a arrival) {
		if a.group < 0 {
			queuedIn[a.id] = addPool(e.procs[e.slots[a.id].proc].fan)
		}
	})
	blockedLoop := map[int32]int32{} // slot waiting on a loop → the slot blocking it
	for _, p := range e.procs {
		for _, pl := range []*pool{p.pool, p.fan} {
			if pl == nil {
				continue
			}
			for k := 0; k < pl.queue.len(); k++ {
				queuedIn[pl.queue.at(k)] = addPool(pl)
			}
		}
		if l := p.loop; l != nil && l.th.slot >= 0 && e.frames[l.th.slot].wait >= 0 {
			b := l.th.slot
			for k := 0; k < l.ready.len(); k++ {
				blockedLoop[l.ready.at(k)] = b
			}
			l.timers.each(func(t keyed[int32]) { blockedLoop[t.v] = b })
		}
	}
	edges := func(v int32) []int32 {
		switch {
		case v < n:
			f := &e.frames[v]
			switch {
			case f.wait >= 0:
				return []int32{instNode(f.wait)}
			case f.pending > 0:
				return children[v]
			}
			if pn, ok := queuedIn[v]; ok {
				return []int32{pn}
			}
			if b, ok := blockedLoop[v]; ok {
				return []int32{b}
			}
			return nil
		case v < n+int32(len(e.inst)):
			x := v - n
			var out []int32
			for i := int32(0); i < n; i++ {
				if !live[i] {
					continue
				}
				for h := e.frames[i].held; h >= 0; h = e.holds[h].next {
					if e.holds[h].inst == x {
						out = append(out, i)
						break
					}
				}
			}
			return out
		default:
			pl := pools[v-n-int32(len(e.inst))]
			var out []int32
			for _, th := range pl.threads {
				if th.slot >= 0 {
					out = append(out, th.slot)
				}
			}
			return out
		}
	}

	// Depth-first search for a cycle, without recursion.
	total := n + int32(len(e.inst)) + int32(len(pools))
	state := make([]uint8, total) // 0 new, 1 on the path, 2 done
	type visit struct {
		v     int32
		out   []int32
		child int
	}
	var cycle []int32
	for s := int32(0); s < n && cycle == nil; s++ {
		if !live[s] || state[s] != 0 {
			continue
		}
		path := []visit{{v: s, out: edges(s)}}
		state[s] = 1
		for len(path) > 0 && cycle == nil {
			top := &path[len(path)-1]
			if top.child == len(top.out) {
				state[top.v] = 2
				path = path[:len(path)-1]
				continue
			}
			w := top.out[top.child]
			top.child++
			switch state[w] {
			case 0:
				state[w] = 1
				path = append(path, visit{v: w, out: edges(w)})
			case 1:
				i := len(path) - 1
				for path[i].v != w {
					i--
				}
				for _, p := range path[i:] {
					cycle = append(cycle, p.v)
				}
			}
		}
	}
	if cycle == nil {
		return nil
	}

	// The cycle's tasks, each with what it holds and what it waits for
	// (the node after it, through a resource or a pool).
	d := &Deadlock{}
	for k, v := range cycle {
		if v >= n {
			continue
		}
		f := &e.frames[v]
		link := DeadlockLink{Task: e.taskName(v)}
		var names []string
		for h := f.held; h >= 0; h = e.holds[h].next {
			names = append(names, e.wl.Resources[e.inst[e.holds[h].inst].res].Name)
		}
		for i := len(names) - 1; i >= 0; i-- {
			link.Holds = append(link.Holds, names[i]) // in the order taken
		}
		if th, ok := runsOn[v]; ok && th.pool != nil {
			link.Holds = append(link.Holds, e.lanes[th.id].Name)
		} else if f.joinTh >= 0 {
			link.Holds = append(link.Holds, e.lanes[f.joinTh].Name)
		}
		next := cycle[(k+1)%len(cycle)]
		switch {
		case next < n && e.frames[v].wait < 0 && e.frames[v].pending > 0:
			link.WaitsFor = e.taskName(next)
		case next < n:
			link.WaitsFor = "its event loop, which " + e.taskName(next) + " blocks"
		case next < n+int32(len(e.inst)):
			link.WaitsFor = e.wl.Resources[e.inst[next-n].res].Name
		default:
			link.WaitsFor = "a free " + pools[next-n-int32(len(e.inst))].name + " thread"
		}
		d.At = max(d.At, f.since)
		d.Cycle = append(d.Cycle, link)
	}
	return d
}

// stopped ends a run that a deadlock stopped: the waits for resources
// count up to now, the spans of unfinished tasks close now, and their
// records say they did not finish.
func (e *engine) stopped() {
	for i := range e.inst {
		in := &e.inst[i]
		for k := 0; k < in.waiters.len(); k++ {
			w := in.waiters.at(k)
			waited := e.now - e.frames[w.slot].since
			in.wait += waited
			e.resWait += waited
		}
	}
	if e.sink != nil {
		for i := range e.slots {
			if sl := int32(i); !e.isBranch(sl) && e.spans[sl].state != numStates {
				e.setTask(sl, numStates, -1)
			}
		}
	}
	if e.tsink != nil {
		free := make(map[int32]bool, len(e.freeSlot))
		for _, i := range e.freeSlot {
			free[i] = true
		}
		e.treeStopped(free)
	}
	if e.record {
		e.recordUnfinished()
	}
}

// recordUnfinished adds the records of the tasks a deadlock kept from
// finishing: End -1, Start -1 for those that never ran, and Release -1
// for those never released.
func (e *engine) recordUnfinished() {
	add := func(id, group int32, release, start int64, lane int32) {
		for int(id) >= len(e.records) {
			e.records = append(e.records, TaskRecord{End: -1})
		}
		e.records[id] = TaskRecord{Name: e.src.name(id, group), Release: release, Start: start, End: -1, Lane: int(lane)}
	}
	free := make(map[int32]bool, len(e.freeSlot))
	for _, i := range e.freeSlot {
		free[i] = true
	}
	for i := range e.slots {
		sl := &e.slots[i]
		if !free[int32(i)] && !e.isBranch(int32(i)) {
			lane := int32(-1)
			if sl.firstRun >= 0 {
				lane = int32(e.records[sl.id].Lane) // started() recorded it
			}
			add(sl.id, sl.group, sl.release, sl.firstRun, lane)
		}
	}
	for _, q := range []*arrivalQueue{&e.central, &e.submitQ} {
		q.each(func(a arrival) {
			if a.group >= 0 {
				add(a.id, a.group, a.release, -1, -1)
			}
		})
	}
	// A later phase behind the deadlock is never released: Release -1.
	e.src.unreleased(func(id, group int32) { add(id, group, -1, -1, -1) })
}

package sim

import "github.com/conclab/conclab/model"

// This file holds the rule of SPEC §3 for data handed to worker processes
// (a group's input: and output: under processes(N), an offloaded step's
// under an event loop's process pool): the sender pickles it and writes it
// to the pipe, holding its GIL; the receiver reads and unpickles it; the
// result comes back the same way. Each side's CPU is the profile's
// PickleSend or PickleRecv per 10^6 bytes, and shows as Pickling.
//
// Under processes(N) the parent's main thread does the parent's side, one
// task at a time, as ProcessPoolExecutor's feeder and manager threads take
// the parent's GIL in turn: a task's input is pickled when a worker takes
// the task, and the task ends when the parent has unpickled its result.
// Composite models (processes(P)*threads(T), processes(P)*asyncio) stand
// for servers whose requests come over a socket, not pickled: their
// groups' input and output cost nothing.

// pickleCost is the CPU to move n bytes at perMB per 10^6 bytes.
func pickleCost(n, perMB int64) int64 {
	return int64(float64(n)*float64(perMB)/1e6 + 0.5)
}

// pickleJob is the parent's side of a task's data: pickling its input
// for the worker th, or (th -1) unpickling its result.
type pickleJob struct {
	slot  int32
	th    int32
	bytes int64
}

// setupPickler gives the parent of a processes(N) pool its main thread
// when the workload's tasks carry data.
func (e *engine) setupPickler() {
	if e.dep.Kind != model.Processes || e.dep.Inner != nil {
		return
	}
	for _, g := range e.wl.Groups {
		if g.Input > 0 || g.Output > 0 {
			e.pickler = e.newThread(e.procs[0], rolePickle, MainThread, "main")
			e.procs[0].main = e.pickler
			return
		}
	}
}

// dataOf is what the task in slot sl, run by worker th, carries to its
// worker process and back: none but under processes(N).
func (e *engine) dataOf(sl int32, th *thread) (in, out int64) {
	if e.pickler == nil || th.role != roleWorker || e.isBranch(sl) {
		return 0, 0
	}
	g := &e.wl.Groups[e.slots[sl].group]
	return g.Input, g.Output
}

// sendInput has the parent pickle the input of the task that worker th
// took; th waits for it.
func (e *engine) sendInput(th *thread, in int64) {
	th.act = actNone
	e.setLane(th, Idle)
	e.setTask(th.slot, Pickling, e.pickler.id)
	e.pickle(pickleJob{slot: th.slot, th: th.id, bytes: in})
}

// pickle queues a job for the parent's main thread.
func (e *engine) pickle(j pickleJob) {
	e.pickleQ.push(j)
	if !e.pickleBusy {
		e.pickleNext()
	}
}

// pickleNext starts the parent's next job, if any.
func (e *engine) pickleNext() {
	if e.pickleQ.len() == 0 {
		e.pickleBusy = false
		e.idle(e.pickler)
		return
	}
	e.pickleBusy = true
	j := e.pickleQ.pop()
	e.pickling = j
	e.pickler.slot = j.slot // its lane shows whose data it moves
	cost := pickleCost(j.bytes, e.prof.PickleRecv)
	if j.th >= 0 {
		cost = pickleCost(j.bytes, e.prof.PickleSend)
	}
	e.python(e.pickler, cost, actPickle)
}

// pickled is the parent's job done: the worker unpickles the input and
// begins its task, or the task, its result unpickled, ends.
func (e *engine) pickled() {
	j := e.pickling
	e.pickler.slot = -1
	if j.th >= 0 {
		w := e.threads[j.th]
		e.setTask(j.slot, Pickling, w.id)
		e.python(w, pickleCost(j.bytes, e.prof.PickleRecv), actUnpickle)
	} else {
		e.finishTask(j.slot)
		e.dispatch()
	}
	e.pickleNext()
}

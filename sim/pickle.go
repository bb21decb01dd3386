package sim

import (
	"strings"

	"github.com/conclab/conclab/model"
)

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
// The feeder pickles an input whole and writes it into the call queue's
// pipe (64 KiB), blocked until the worker has read it, and takes the next
// only then: one input moves at a time, its two sides one after the
// other, PickleSend and PickleRecv being the two parts of the way's
// elapsed time. (Measured with 24 MB inputs to processes(2), 2026-12-05:
// pickling 6–114 ms, writing while the worker read 177–304 ms, the
// worker's unpickling 66–128 ms after; the next input's pickling began
// as the worker began unpickling, so the engine, which waits for that
// too, is long by the unpickling of the inputs that wait.)
// An event loop's process pool moves its steps' data the same way, on a
// thread of the loop's process (feeder), not the loop's thread:
// run_in_executor only submits the call.
// Composite models (processes(P)*threads(T), processes(P)*asyncio) stand
// for servers whose requests come over a socket, not pickled: their
// groups' input and output cost nothing.

// pickleCost is the CPU to move n bytes at perMB per 10^6 bytes.
func pickleCost(n, perMB int64) int64 {
	return int64(float64(n)*float64(perMB)/1e6 + 0.5)
}

// glibc's malloc serves a block of at least its mmap threshold with a
// fresh mapping and unmaps it when freed; freeing one raises the threshold
// to its size, up to 32 MiB on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX),
// after which blocks that size come from the heap it keeps. So a process's
// first payload of a size writes its copies into fresh pages, faulted in
// one by one, and later ones reuse them, except beyond 32 MiB, where every
// copy is fresh.
const mmapThresholdMax = 32 << 20

// sendCost and recvCost are the CPU for th's process to pickle and send,
// or to receive and unpickle, n bytes: PickleSend or PickleRecv per 10^6
// bytes, and for the receiver PickleFresh for the bytes of it its
// process has not received before (freshCost).
func (e *engine) sendCost(n int64) int64 {
	return pickleCost(n, e.prof.PickleSend)
}

func (e *engine) recvCost(th *thread, n int64) int64 {
	return pickleCost(n, e.prof.PickleRecv) + e.freshCost(th.proc, n)
}

// freshCost is what a first payload of a size costs the process p that
// receives it beyond a later one: PickleFresh per 10^6 bytes of it that p
// has not received before (beyond 32 MiB, all of it, every time). It is
// measured so (measure.py's first_payload: a fresh worker's first input
// against its next ones, from a parent that has sent payloads of that
// size before), and the receiver's fresh memory is most of it: on
// 2026-12-05 a fresh worker read a 24 MB input in 274–304 ms and
// unpickled it in 106–128 ms, a worker that had had one before in 177–213
// and 66–69 ms, while the parent's second and later pickling of it took
// 6–76 ms against 114 ms for its first.
func (e *engine) freshCost(p *process, n int64) int64 {
	fresh := n - p.dataPeak
	if n > mmapThresholdMax {
		fresh = n
	}
	p.dataPeak = max(p.dataPeak, min(n, mmapThresholdMax))
	if fresh <= 0 {
		return 0
	}
	return pickleCost(fresh, e.prof.PickleFresh)
}

// pickleJob is the parent's side of a task's data: pickling its input
// for the worker th, or (th -1) unpickling its result.
type pickleJob struct {
	slot  int32
	th    int32
	bytes int64
}

// feeder is the thread of a process pool's parent that moves the data of
// its tasks, one job at a time: the main thread of processes(N)'s parent
// (standing for ProcessPoolExecutor's feeder and manager threads, which
// take the parent's GIL in turn), or the same two threads of an event
// loop's process pool, beside the loop thread and taking its GIL in turn
// with it. The loop only submits: a step's input is pickled by the
// feeder, its result unpickled by the manager, which then hands the
// future's result to the loop (call_soon_threadsafe).
type feeder struct {
	th   *thread
	q    ring[pickleJob]
	busy bool
	cur  pickleJob
	loop bool // an event loop's pool: a result unpickled makes its task ready on the loop
}

// setupPickler gives the parent of a processes(N) pool its main thread
// when the workload's tasks carry data.
func (e *engine) setupPickler() {
	if e.dep.Kind != model.Processes || e.dep.Inner != nil {
		return
	}
	for _, g := range e.wl.Groups {
		if g.Input > 0 || g.Output > 0 {
			e.feed = &feeder{th: e.parentMain()}
			e.feed.th.feed = e.feed
			return
		}
	}
}

// poolFeeder is the feeder of pl, an event loop's process pool, made at
// the first step that carries data.
func (e *engine) poolFeeder(pl *pool) *feeder {
	if pl.feed == nil {
		f := &feeder{loop: true}
		f.th = e.newThread(pl.parent, rolePickle, ExecutorThread, strings.TrimSuffix(pl.name, "proc")+"feeder")
		f.th.feed = f
		pl.feed = f
	}
	return pl.feed
}

// dataOf is what the task in slot sl, run by worker th, carries to its
// worker process and back: none but under processes(N).
func (e *engine) dataOf(sl int32, th *thread) (in, out int64) {
	if e.feed == nil || th.role != roleWorker || e.isBranch(sl) {
		return 0, 0
	}
	g := &e.wl.Groups[e.slots[sl].group]
	return g.Input, g.Output
}

// sendInput has the feeder f pickle the input of the task in slot sl,
// which worker th took; th waits for it.
func (e *engine) sendInput(f *feeder, th *thread, sl int32, in int64) {
	th.act = actNone
	e.setLane(th, Idle)
	e.setTask(sl, Pickling, f.th.id)
	e.pickle(f, pickleJob{slot: sl, th: th.id, bytes: in})
}

// pickle queues a job for the feeder f.
func (e *engine) pickle(f *feeder, j pickleJob) {
	f.q.push(j)
	if !f.busy {
		e.pickleNext(f)
	}
}

// pickleNext starts f's next job, if any.
func (e *engine) pickleNext(f *feeder) {
	if f.q.len() == 0 {
		f.busy = false
		e.idle(f.th)
		return
	}
	f.busy = true
	j := f.q.pop()
	f.cur = j
	f.th.slot = j.slot // its lane shows whose data it moves
	if j.th < 0 {
		e.python(f.th, e.recvCost(f.th, j.bytes), actPickle)
		return
	}
	// An input: the parent pickles and writes it, then the worker reads
	// the rest and unpickles it, while the parent waits on the pipe.
	e.python(f.th, e.sendCost(j.bytes), actPickle)
}

// pickled is f's side of its job done: a result unpickled ends its task
// (or, from an event loop's pool, makes it ready on the loop); an input
// written, the worker reads and unpickles it, the feeder blocked on the
// pipe meanwhile unless the input fits in it.
func (e *engine) pickled(f *feeder) {
	j := f.cur
	f.th.slot = -1
	if j.th < 0 {
		if f.loop {
			e.loopReady(j.slot, f.th)
		} else {
			e.finishTask(j.slot)
			e.dispatch()
		}
		e.pickleNext(f)
		return
	}
	w := e.threads[j.th]
	e.setTask(j.slot, Pickling, w.id)
	e.python(w, e.recvCost(w, j.bytes), actUnpickle)
	if j.bytes <= pipeCapacity {
		// All of it fits in the pipe: the feeder goes on.
		e.pickleNext(f)
		return
	}
	e.idle(f.th) // blocked until w has read it (unpickled)
}

// pipeCapacity is what a Linux pipe holds before its writer blocks
// (16 pages).
const pipeCapacity = 64 << 10

// unpickled is worker th's side of an input from f done: it begins its
// task, and f, if blocked on its pipe, takes its next job.
func (e *engine) unpickled(f *feeder, th *thread) {
	if f != nil && f.busy && f.cur.th == th.id {
		e.pickleNext(f)
	}
}

package sim

// CauseKind says why a span ended: what made its lane or task change
// state, as the engine knew it when it happened. Its values are few and
// each names one rule of SPEC §3; a new kind of wait (a lock, a
// connection pool) adds a kind, and the other party goes in Cause.Lane and
// Cause.Task.
type CauseKind uint8

// The causes. A span that ended by its own lane's or task's progress (a
// step done, a sleep over, a timer due) has NoCause.
const (
	NoCause CauseKind = iota

	// GIL waits (lane and task spans in GILWait), by the thread that let
	// the GIL go to the waiter.
	GILReleased // Lane released the GIL on its own (rule 2: a wait, C code, going idle or done)
	GILForced   // the waiter's switch interval expired and Lane was made to drop the GIL (rule 3)

	// Preempted ends a span of Python code (Working or Overhead; a task's
	// Working): a waiter's switch interval expired and Lane, the longest
	// waiter, took the GIL (rule 3).
	Preempted

	// Woken ends an Idle or Waiting lane span of a thread blocked on a
	// signal: Lane put work in its queue (a pool's main thread, a worker
	// process's main thread, an event loop submitting to its executor), a
	// new thread said it runs (Thread.start), or an executor thread's
	// call_soon_threadsafe woke its idle loop.
	Woken

	// Why a queued task waited before its first step (a task's Ready
	// span; under asyncio(limit=K) its first Waiting span).
	WorkerFreed    // Lane, a worker (the sync main thread, a pool thread, a worker process), finished Task (or a gather branch of it) and took this one
	Submitted      // the main thread (Lane) submitted it to a pool thread that was idle
	ThreadStarted  // the main thread started a new thread, Lane, which took it
	ProcessStarted // Lane, the main thread of a worker process that had just started, took it
	PlaceFreed     // asyncio(limit=K): Task finished on loop Lane, freeing a place of the semaphore
	LoopPolled     // every worker's event loop was in a callback; Lane's ended (Task's) and it polled the queue (its listening socket) and took this one
	Accepted       // the event loop Lane of a worker process took it from the queue at one wake-up with Task, the first of them: it waits behind them there

	// Why a ready coroutine waited in its loop's ready queue (a task's
	// Ready span on an event loop).
	LoopBusy    // the loop (Lane) ran the callbacks of other tasks, the last of them Task
	LoopBlocked // the loop (Lane) was stuck in blocking calls most of the wait, the last of them Task's

	// Offloaded ends a task's Waiting span for an offloaded step: Lane,
	// an executor thread or a worker process of the loop's pools, ran it.
	Offloaded

	// ResourceFreed ends a ResourceWait span (a task's, or a thread's
	// blocked taking a unit): Task, on Lane, gave back a unit of the
	// resource Cause.Resource and handed it to the waiter.
	ResourceFreed

	// BranchesDone ends the Waiting span of a thread blocked until the
	// branches its task gathered finished: Task's branch on Lane was the
	// last.
	BranchesDone

	// SpinEnded ends the Waiting span of a thread in the spin of a
	// free-threaded runtime's lock (the profile's LockSpin): its 40
	// yields of the core are over, and it takes the lock, which Lane had
	// held or was to release (a thread start's other thread).
	SpinEnded

	numCauses
)

// String returns the cause's name, for messages.
func (k CauseKind) String() string {
	switch k {
	case NoCause:
		return "none"
	case GILReleased:
		return "gil-released"
	case GILForced:
		return "gil-forced"
	case Preempted:
		return "preempted"
	case Woken:
		return "woken"
	case WorkerFreed:
		return "worker-freed"
	case Submitted:
		return "submitted"
	case ThreadStarted:
		return "thread-started"
	case ProcessStarted:
		return "process-started"
	case PlaceFreed:
		return "place-freed"
	case LoopPolled:
		return "loop-polled"
	case Accepted:
		return "accepted"
	case LoopBusy:
		return "loop-busy"
	case LoopBlocked:
		return "loop-blocked"
	case Offloaded:
		return "offloaded"
	case ResourceFreed:
		return "resource-freed"
	case BranchesDone:
		return "branches-done"
	case SpinEnded:
		return "spin-ended"
	}
	return "unknown"
}

// Cause is why a span ended: the kind of state change and the other
// party, the lane and the task that made it happen (-1 when none).
type Cause struct {
	Kind CauseKind
	// Resource is the index of the resource (in the workload's
	// Resources) of a ResourceFreed cause, and 0 for the others.
	Resource uint16
	Lane     int32
	Task     int32
}

// because makes a cause.
func because(k CauseKind, lane, task int32) Cause { return Cause{Kind: k, Lane: lane, Task: task} }

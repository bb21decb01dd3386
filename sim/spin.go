package sim

import (
	"math"
	"slices"
)

// A free-threaded CPython's PyMutex (behind threading.Lock, Event,
// Condition and Thread.start()'s wait) does not park a thread that finds
// it taken at once: it calls sched_yield() 40 times first, and 3.13 does
// not look at the lock again until it has (Python/lock.c, MAX_SPIN_COUNT;
// 0 in the build with the GIL). On Linux each yield hands the thread's
// core to a thread computing there for a time slice, so the spin lasts
// the profile's LockSpin with one thread per core computing beside it,
// k times that with k per core (3.13t here: 54 ms with 2 threads on 2
// cores; 100 ms with 4, 155 with 6), and ends at once when a core has no
// other thread to run. The engine charges it to thread starts only,
// where it was measured (submitted); a thread that blocked in a queue's
// get(), on an Event or a Semaphore 5 ms before the put or release woke
// within 0.1 ms of it with both cores computing.

// spinStart begins th's spin on a lock other holds or is to release, if
// it has one: it drains at 1/k of real time while k threads per core
// compute beside it (the others spread evenly over the cores; th shares
// the least loaded).
func (e *engine) spinStart(th, other *thread) {
	if e.prof.LockSpin <= 0 {
		return
	}
	k := e.spinBeside(th)
	if k == 0 {
		return
	}
	th.spinLeft, th.spinK, th.spinAt, th.spinWaits, th.spinFor = float64(e.prof.LockSpin), k, e.now, false, other.id
	e.spinners = append(e.spinners, th)
	e.spinSchedule(th)
}

// spinBeside is how many threads compute beside th per core.
func (e *engine) spinBeside(th *thread) int32 {
	others := len(e.cpu.h)
	if th.cpuIdx >= 0 {
		others--
	}
	return int32(others / e.cpu.cores)
}

// spinSchedule schedules the end of th's spin at its present pace.
func (e *engine) spinSchedule(th *thread) {
	th.spinGen++
	d := int64(math.Ceil(th.spinLeft*float64(th.spinK) - cpuEps))
	e.events.push(later(e.now, max(d, 0)), evSpinEnd, th.id, th.spinGen)
}

// spinUpdate re-paces the spins after the threads that compute changed:
// what each has done so far at its old pace is taken off, and a spin
// with no thread left beside it ends now.
func (e *engine) spinUpdate() {
	for _, th := range e.spinners {
		k := e.spinBeside(th)
		if k == th.spinK || k == 0 && th.spinLeft == 0 {
			// Unchanged, or already ending now: rescheduling an end
			// due now would put it behind the other events of this
			// instant again, for ever.
			continue
		}
		th.spinLeft -= float64(e.now-th.spinAt) / float64(th.spinK)
		th.spinAt = e.now
		if k == 0 {
			th.spinLeft, k = 0, 1
		}
		th.spinK = k
		e.spinSchedule(th)
	}
}

// spinEnd ends th's spin: it takes the lock now, and goes on if it was
// waiting for nothing else (spinWaits).
func (e *engine) spinEnd(th *thread) {
	th.spinLeft, th.spinK = 0, 0
	if i := slices.Index(e.spinners, th); i >= 0 {
		e.spinners = slices.Delete(e.spinners, i, i+1)
	}
	if th.spinWaits {
		th.spinWaits = false
		e.laneCause(th, SpinEnded, th.spinFor, -1)
		e.python(th, 0, th.act)
	}
}

package sim

import "math"

// A Go program's blocking sleep (time.Sleep) is a timer of its runtime,
// not of the kernel, when the profile has a NetpollResolution (runtime go).
// Two things fire it, whichever comes first once it is due (Go 1.26,
// runtime/time.go, proc.go, netpoll_epoll.go):
//
//   - A goroutine of the process that blocks: its P runs schedule(), whose
//     checkTimers runs every timer due on it (and findRunnable steals the
//     due timers of the other Ps). Here: every timer of the process due by
//     then fires when one of its goroutines begins a sleep or ends a task.
//   - The netpoller: an idle P's M blocks in epoll_wait until the earliest
//     timer, and epoll_wait takes whole milliseconds: the runtime waits
//     1 ms for less than 1 ms and truncates more (5 ms less a hair waits
//     4 ms, and then 1 ms more). Each wait ends SleepOvershoot late (the
//     kernel's timer slack and the wake-up). A timer earlier than the one
//     the poller waits for breaks its wait (wakeNetPoller), and the poller
//     waits again from then.
//
// So a Go program that does nothing but sleep 500 µs sleeps about 1.08 ms,
// 1.5 ms about 2.16 ms, and a sleep among goroutines that block often ends
// at the next one's block, tens of microseconds late. Measured here
// (2026-12-04, Go 1.26, the median of 40 sleeps of one goroutine with
// nothing else running): 100 µs to 1 ms took 1.078–1.084 ms, 1.5 ms 2.16,
// 2.5 ms 3.16, 5 ms 5.2 and 10.3 ms 11.2 ms (TestGoSleepNetpoll); one
// goroutine sleeping 500 µs 600 times beside one computing 400 ms took
// 651 ms (convoy-1ms), which the netpoller alone explains.
//
// Not modelled:
//   - With every P computing there is no idle P to poll, and a due timer
//     waits for a goroutine to block, or for sysmon to preempt a
//     long-running one (about 20 ms after the sleep began, measured with
//     two goroutines spinning on 2 Ps); the engine's poller fires it
//     regardless.
//   - Jitter. Among goroutines that block often, which timers a block
//     fires and which wait for the netpoller turns on how far apart real
//     steps drift: 200 µs sleeps among 4 goroutines working 100 µs on 2 Ps
//     ended 53 µs late or less in half of 6,000 tasks and 0.9–1.1 ms late
//     in about one in ten. Steps drawn exactly alike run in lockstep here,
//     every goroutine asleep at once, and the netpoller ends every sleep:
//     that workload is predicted at 1.93 s where it took 0.87–0.96 s
//     (1.45 s predicted before the netpoller was modelled).

// goSleeper is a goroutine asleep on a runtime timer: its thread and the
// generation of its sleep (thread.sleepGen).
type goSleeper struct {
	th  int32
	gen uint32
}

// pending says whether x's sleep has not ended yet: a timer fired by a
// block stays in its process's schedule until the netpoller passes it.
func (e *engine) pending(x goSleeper) bool {
	th := e.threads[x.th]
	return th.asleep && th.sleepGen == x.gen
}

// goSleep puts th to sleep for d on its process's runtime timers.
func (e *engine) goSleep(th *thread, d int64) {
	p := th.proc
	e.park(th, Waiting, actStep)
	th.sleepGen++
	th.asleep = true
	due := later(e.now, d)
	p.timers.push(due, goSleeper{th: th.id, gen: th.sleepGen})
	if due < p.pollFor {
		e.netpollArm(p) // wakeNetPoller: the poller waits for this one now
	}
	e.goSchedule(p)
}

// goSchedule is a goroutine of p blocking or ending at e.now: every timer
// of p due by now fires, and its goroutine runs on another P after the
// wake-up (WakeLatency).
func (e *engine) goSchedule(p *process) { e.goFire(p, e.prof.WakeLatency, false) }

// goFire wakes the goroutines of p whose timers are due by now, after
// wake; polled says the netpoller fires them (Result.NetpollSleeps).
func (e *engine) goFire(p *process, wake int64, polled bool) {
	for p.timers.len() > 0 && p.timers.top() <= e.now {
		x := p.timers.pop()
		if e.pending(x.v) {
			th := e.threads[x.v.th]
			th.asleep = false
			e.events.push(later(e.now, wake), evWake, th.id, 0)
			if polled {
				e.polled++
				e.polledLate += e.now - x.t
			}
		}
	}
}

// netpollArm has p's netpoller wait, from now, for the earliest timer
// left: in whole NetpollResolution units (one for less than one,
// truncated for more), SleepOvershoot late.
func (e *engine) netpollArm(p *process) {
	for p.timers.len() > 0 && !e.pending(p.timers.at(p.timers.earliest()).v) {
		p.timers.pop() // fired by a goroutine that blocked
	}
	p.pollGen++
	if p.timers.len() == 0 {
		p.pollFor = math.MaxInt64
		return
	}
	due := p.timers.top()
	p.pollFor = due
	wait := int64(0)
	if left := due - e.now; left > 0 {
		r := e.prof.NetpollResolution
		wait = r
		if left > r {
			wait = (left - 1) / r * r
		}
		wait += e.prof.SleepOvershoot
	}
	e.events.push(later(e.now, wait), evNetpoll, int32(p.id), p.pollGen)
}

// netpollWake is p's netpoller back from epoll_wait: the timers due fire
// (SleepOvershoot, measured as a sleep's elapsed time, holds the wake-up),
// and it waits for the next.
func (e *engine) netpollWake(p *process) {
	e.goFire(p, 0, true)
	e.netpollArm(p)
}

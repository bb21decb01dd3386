// Package sim is conclab's discrete-event engine. It runs a workload under
// one deployment (sync code, a thread pool, asyncio, processes or a
// composite) in virtual time, integer nanoseconds, following the rules of
// SPEC §3: cores shared by processor sharing, CPython's GIL with hand-over
// to the longest waiter and forced switches after the switch interval,
// thread pools that create workers lazily, event loops with a FIFO ready
// queue, and worker processes with their start-up costs. It knows nothing
// of YAML, terminals or HTTP: it reads a workload.Workload, a
// model.Deployment and a runtime.Profile, and gives a Result and, to a Sink,
// the spans of every thread and task, each with the Cause of the state
// change that ended it (who let the GIL go to a waiter, what a queued task
// waited for, which executor thread ran an offloaded step), so that no
// reader has to guess it from the spans' timing. Without a Sink the causes
// cost nothing.
//
// Runs are deterministic: the same Config gives the same Result, span for
// span, and a task draws the same durations under every model.
package sim

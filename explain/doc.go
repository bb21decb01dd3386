// Package explain tells a simulated run as a story, in the plain words of
// the tutorial conclab grew from: who starts, who waits and for what, when
// the event loop switches, when a blocking call stalls it, who waits for the
// GIL and who holds it, and how long it all took.
//
// Narrate reads only what the engine recorded — the lane spans (what each
// thread did) and task spans (what each task went through) of a
// sim.Recorder, and the lanes, deployment and task names of a sim.Result.
// Why something happened is the engine's word, the Cause on each span: who
// let a GIL waiter go on and whether a switch interval forced it, what a
// queued task waited for, which executor thread ran an offloaded call. No
// cause is inferred from the spans' timing or the order they arrive in, so
// the story is the same whatever that order. Narrate folds repetitions (the
// same kind of event for the same actors or the same group of tasks, close
// together in time) into one line with ×N and a time range, so ten
// thousand tasks read as a page. Write prints the lines for a terminal,
// wrapped with a hanging indent.
package explain

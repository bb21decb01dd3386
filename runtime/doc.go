// Package runtime holds the runtime profiles conclab simulates under: the
// rules of a runtime (a GIL or not, asyncio, worker processes, a slowdown of
// Python code) and the cost constants of SPEC §3 (thread and process start,
// per-task overheads, sleep overshoots, memory per thread, task and
// process), each with the source it comes from. Builtin returns the built-in
// profiles cpython, cpython-ft, java and go; Load reads a profile written as
// YAML, the format Profile.YAML writes. measure.py, beside this file,
// measures the cpython constants on the machine it runs on.
package runtime

// Conclab is a concurrency lab for Python workloads: it simulates how a
// workload runs under sync code, a thread pool, asyncio or processes, with
// CPython's GIL, and shows what happened and why.
//
// Usage:
//
//	conclab demo                      the seed's cases, simulated and explained
//	conclab run FILE|NAME|-e INLINE   simulate a workload under one or more models
//	conclab examples [NAME]           list the built-in scenarios, or print one
//
// Run "conclab help COMMAND" for a command's flags and examples. Exit status
// is 0 on success, 1 when the work failed and 2 for bad usage or bad input;
// errors go to standard error as one line, results to standard output.
package main

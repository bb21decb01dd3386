// Conclab is a concurrency lab for Python workloads: it simulates how a
// workload runs under sync code, a thread pool, asyncio or processes, with
// CPython's GIL, and shows what happened and why.
//
// Usage:
//
//	conclab demo                      the tutorial's cases, simulated and explained
//	conclab run FILE|NAME|-e INLINE   simulate a workload under one or more models
//	conclab explain FILE -m MODEL     one run told step by step
//	conclab sweep FILE -m 'threads(1..64)'  a pool size or an arrival rate swept
//	conclab advise FILE               the best model and size, with reasons
//	conclab whatif FILE -m MODEL      which step, made faster or moved elsewhere, buys the most
//	conclab export FILE -m MODEL      the workload as a runnable CPython program
//	conclab verify FILE [-m MODEL]    that program run here, measured beside predicted
//	conclab calibrate [-o FILE]       this machine's CPython costs, as a profile
//	conclab record -- PROGRAM.py      a real program run and written down as a workload
//	conclab import TRACES.json        production traces (OTLP/JSON, Jaeger) as an open workload
//	conclab serve [--addr ADDR]       the interactive page and its JSON API
//	conclab examples [NAME]           list the built-in scenarios, or print one
//	conclab runtimes [NAME]           list the built-in runtime profiles, or print one
//	conclab version                   conclab's version and the Go that built it
//	conclab completion bash|zsh|fish  a script completing commands, examples, models, runtimes
//
// Run "conclab help COMMAND" for a command's flags and examples. Exit status
// is 0 on success, 1 when the work failed, 2 for bad usage or bad input and
// 70 for a bug in conclab itself (record exits with its program's status);
// errors go to standard error as one line, results to standard output.
package main

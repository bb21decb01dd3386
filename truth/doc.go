// Package truth puts the simulator's predictions to the test on a real
// CPython (SPEC §6). Check does it for a closed workload under its models,
// CheckOpen for an open one on real servers, and Suite for the accuracy
// suite (examples/validation); they run the interpreter through
// internal/python, which finds it and checks it once. Export writes a workload under one model as a plain
// Python 3.8+ program (standard library only) that runs exactly the steps
// and durations the simulator draws; Measure runs such a program in a
// process group of its own and reads what it printed; Measurement.Result
// turns that into a sim.Result and a sim.Recorder, so that the report
// package draws a measured run like a predicted one; Compare and Median
// put measured beside predicted.
//
// Runtime java and go are put to the test the same way with programs of
// their own: ExportJava writes one Java file (java Program.java), ExportGo
// one Go file (go run main.go); Check compiles each once per model with
// the toolchain (internal/toolchain: javac, go build), outside the
// measurement, and runs it. They print the same document, with
// "implementation" java or go, the JVM's or Go's version as "python",
// "switch_interval" and "work_rate" 0 (no GIL; work spins on the thread's
// CPU clock alone), the Java program's "startup_s" (the JVM's start-up
// before its clock began, which waits until the JIT's compilers are idle)
// and "compiler_cpu_s" (the CPU its JIT compiler threads took during the
// run, workers' included; Linux only), and the Go program's "gomaxprocs".
// A Java or Go "thread" is Thread.getId() or the goroutine's number.
//
// # The document an exported program prints
//
// One JSON object on standard output (nothing else goes there). Times are
// seconds since the program's origin, time.perf_counter() read in the main
// process before anything starts; perf_counter is the system-wide
// monotonic clock on Linux, so times taken in worker processes compare.
//
//	{
//	  "format": "conclab-measurement/1",
//	  "workload": "seed-io",            // the workload's name
//	  "model": "threads(3)",            // the model's label
//	  "python": "3.11.7",
//	  "implementation": "cpython",      // sys.implementation.name
//	  "cpu_count": 2,                   // os.cpu_count()
//	  "switch_interval": 0.005,         // sys.getswitchinterval()
//	  "work_rate": 11200000,            // iterations of work's loop per CPU second (0: no work)
//	  "makespan": 2.0013,               // the latest task end
//	  "cpu_s": 0.012,                   // CPU of the program and its ended children
//	  "main": [4242, 140291],           // [pid, threading.get_ident()] of the main thread
//	  "workers": [[4243, 140291, 0.0091]],  // [pid, thread, ready]: a worker process is up
//	  "tasks": [                        // every task, in file order
//	    {"name": "A", "release": 0, "start": 0.0004, "end": 2.0011,
//	     "steps": [["wait", 0.0004, 2.0011, 4242, 140300, 0.00002]]}
//	  ]
//	}
//
// Each step is [kind, start, end, pid, thread, cpu]: kind is one of work,
// work_released, wait and wait_blocking (see StepKind), thread is
// threading.get_ident() of the thread that ran it (for a step an event
// loop offloaded, the executor's thread or process), cpu the thread's CPU
// time in the step (0 for an awaited sleep). A task's start is
// when it first ran on a thread (for asyncio(limit=K), once it holds its
// place), its end when its last step finished. "workers" lists the worker
// processes of processes(N) and of the composites, with the thread that
// reported it was up: for processes(N) the pool's worker, for
// processes(P)*threads(T) the process's main thread, for
// processes(P)*asyncio its loop thread.
//
// A work step runs Python bytecode, a loop of calls, arithmetic,
// attributes and dicts, in slices of about 0.5 ms until the thread's CPU
// clock has advanced the step's length. WORK_RATE (iterations per CPU
// second, which MeasureWorkRate measures with the interpreter; Check
// measures it once and writes it into every program, and a program written
// without it measures it as it starts) sizes the first slice. Measured work steps are drawn as
// sim.Running ("running Python"), never as holding the GIL: the program
// sees when a step ran, not which thread held the GIL meanwhile.
//
// # Noise
//
// A real run measures wall time, which other processes stretch. Check
// reads the machine (internal/machine) before and during every run, makes
// a busy run again (NoiseConfig), takes the medians over the quietest runs
// and gives each model a range (Spread) and a Verdict: within the
// tolerance, beyond it, or inconclusive when it is beyond after a busy run.
//
// # How the program runs a model
//
// sync runs the tasks in file order on the main thread, each no earlier
// than its release. threads(N) submits each task at its release to a
// ThreadPoolExecutor(N); threads starts a threading.Thread per task.
// asyncio runs every task as a coroutine created at its release and
// gathered; limit=K is an asyncio.Semaphore, executor=E the loop's default
// executor (by default min(32, cores+4), as the simulation assumes), and an
// offloaded step goes through loop.run_in_executor to that executor or to
// a ProcessPoolExecutor of cores forked workers. processes(N) is a
// ProcessPoolExecutor(N) with the model's start method; N first jobs that
// meet at a barrier start every worker at time 0, as SPEC §3 has it
// (CPython 3.11 forks all workers at the first submit but spawns them one
// per submit that finds none idle). processes(P)*threads(T) and
// processes(P)*asyncio start P multiprocessing.Process workers that take
// tasks from one shared queue whenever they have room (a free thread, or
// fewer than K tasks in flight; always, without a limit), as gunicorn and
// uvicorn workers accept from one socket.
//
// # Real servers for open workloads
//
// Requests draws an open workload's arrivals as the simulator does;
// NewServer writes a server whose GET /r/<i> performs request i's steps
// (the requests as JSON data, never code) and Server.Check runs it on
// 127.0.0.1 and drives it open-loop with Drive. When the python imports
// them (DetectServers), processes(P) runs on gunicorn's sync workers,
// processes(P)*threads(T) on its gthread workers (a WSGI app) and
// processes(P)*asyncio on uvicorn --workers P (an ASGI app), each launched
// as python -m gunicorn or python -m uvicorn on a free port; every other
// model, and these without the servers, runs on ExportServer's standard
// library program. Server.Runner and Server.Kind say which ran.
package truth

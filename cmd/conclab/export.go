package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/conclab/conclab/truth"
)

func newExportCmd(s *streams) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "export FILE|NAME|-e INLINE -m MODEL",
		Short: "Write a workload as a runnable Python, Java or Go program",
		Long: `Export writes the workload under one model as a plain Python program
(CPython 3.8 or newer, standard library only) that runs the same tasks with
the same durations the simulator draws: work as a spin on
time.thread_time(), work with the GIL released as hashlib over 1 MiB buffers,
waits as time.sleep or await asyncio.sleep, pools as ThreadPoolExecutor and
ProcessPoolExecutor. It prints one JSON document with the start and end of
every step, which "conclab verify" compares with the prediction.

With --runtime java it writes one Java source file (Java 11 or newer, run it
with java Program.java): threads(N) as Executors.newFixedThreadPool(N),
threads as a Thread per task, processes(N) as N worker JVMs running the same
class, work as a spin on the thread's CPU clock (ThreadMXBean), waits as
LockSupport.parkNanos. With --runtime go it writes one Go file (Go 1.21 or
newer, run it with go run main.go): goroutines for threads, N goroutines
taking tasks from a channel for threads(N), N child processes for
processes(N), GOMAXPROCS set to the cores, work as a spin on the thread's
CPU clock with the goroutine locked to its thread. Both print the same JSON
document; asyncio, which neither has, is refused.

-m is needed unless the workload lists exactly one model. Names from the
workload are data in the program, never code.`,
		Example: `  conclab export seed-io -m 'threads(3)' -o seed-io.py && python3 seed-io.py
  conclab export seed-cpu --runtime java -m 'processes(2)' -o Program.java && java Program.java
  conclab export seed-io --runtime go -m threads -o main.go && go run main.go
  conclab export -e '2 x [work 200ms]' -m 'processes(2, start=spawn)'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.models = splitModels(o.models)
			if err := checkCommonFlags(cmd, &o, args); err != nil {
				return err
			}
			return runExport(cmd.Context(), s, &o, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.inline, "expr", "e", "", "an inline workload instead of a file (see conclab run --help)")
	f.StringArrayVarP(&o.models, "model", "m", nil, "the model expression, such as threads(8)")
	f.StringVar(&o.runtime, "runtime", "", "cpython, cpython-ft, java or go: the program's language (default: the workload's)")
	f.IntVar(&o.cores, "cores", 0, "cores that size the event loop's executors (default: the workload's, else this machine's)")
	f.DurationVar(&o.switchInterval, "switch-interval", 0, switchIntervalUsage)
	f.StringVarP(&o.output, "output", "o", "", "write to this file (only once all succeeded) instead of stdout")
	return cmd
}

func runExport(ctx context.Context, s *streams, o *runOptions, args []string) error {
	src, err := workloadSource(args, o.inline)
	if err != nil {
		return err
	}
	wl, text, err := loadWorkload(s, src, o.inline)
	if err != nil {
		return err
	}
	if len(o.models) > 1 {
		return fmt.Errorf("export writes one model; -m was given %d times", len(o.models))
	}
	if len(o.models) == 0 && len(wl.Models) != 1 {
		return fmt.Errorf("give the model to export with -m (the workload lists %d)", len(wl.Models))
	}
	p, err := newPlan(ctx, s, wl, text, o)
	if err != nil {
		return err
	}
	lang, err := truth.LangOf(p.Profile)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	err = truth.ExportFor(lang, &buf, wl, p.Models[0], truth.ExportOptions{Cores: p.Cores, SwitchInterval: p.SwitchInterval})
	if err != nil {
		return err
	}
	return s.emit(ctx, o.output, buf.Bytes(), o.inputs(args)...)
}

// workloadSource checks that exactly one of a FILE|NAME argument and -e was
// given and returns the argument ("" for -e).
func workloadSource(args []string, inline string) (string, error) {
	switch {
	case len(args) == 1 && inline != "":
		return "", errors.New("give a workload FILE or NAME, or -e INLINE, not both")
	case len(args) == 1:
		return args[0], nil
	case inline == "":
		return "", errors.New("missing workload: give a FILE, the NAME of an example (see conclab examples) or -e INLINE")
	}
	return "", nil
}

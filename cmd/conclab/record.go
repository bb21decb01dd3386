package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/record"
	conclabruntime "github.com/conclab/conclab/runtime"
)

type recordOptions struct {
	output  string
	python  string
	format  string
	suite   bool
	repeat  int
	from    string
	jobs    []string
	profile string
	warm    bool
}

func newRecordCmd(s *streams) *cobra.Command {
	var o recordOptions
	cmd := &cobra.Command{
		Use:   "record [-o FILE] [--python P] [--] PROGRAM.py [ARGS…] | -m MODULE [ARGS…]",
		Short: "Run a Python program and write the workload it is",
		Long: `Record runs a Python program as it always runs (its arguments, standard
streams, working directory and exit status are its own; Ctrl-C reaches it)
under a recorder written with the standard library alone, and writes the
workload it is. Its tasks: each thread, thread or process pool work item
(concurrent.futures, or multiprocessing's Pool and ThreadPool),
multiprocessing.Process, asyncio task (with the children it waits for, by
gather, wait, as_completed or a TaskGroup, as branches), item that worker
threads or coroutines take from a queue, the main program's calls of the
function that handles one item, and a server's requests (http.server,
wsgiref, gunicorn's and uvicorn's workers) as an open workload.
Their steps: CPU with the GIL held, CPU in C code that released it (zlib,
hashlib, sqlite3), waits (sleep, sockets), blocking calls made on a
running event loop, work offloaded to a thread, and the locks and
semaphores they held, each with where in the program it is
("app.py:42(parse)", which whatif and advise name it by). Tasks of one function and shape fold into a group
with a count; durations that vary become the distribution that fits them
best. The model the program used comes first.

The workload goes to -o (default: the program's name with .workload.yaml,
in the current directory; - for standard output), a summary of where the
time went to standard error. A program that fails still gives the workload
of what ran, with a warning; conclab exits with the program's status.
Then "conclab run FILE" predicts the recorded run, and "conclab advise
FILE" says which model and pool size the program should use.

A core that sat idle runs the next code slower (its caches went cold), and
a program that waits before each item pays that every time, which threads
and asyncio, keeping the cores busier, pay less. With --warm-cores
(Linux) a loop at the lowest priority runs on every CPU while the program
does, so that no core idles: the CPU recorded is what warm cores pay, as
on a busy server.

With --suite it runs the corpus of examples/programs (the same jobs
written as sync, threads, asyncio and processes programs, standard library
only) on this machine: each variant plain, for its time, and recorded, for
its model and the recorder's overhead; then it predicts every variant from
the recording of one (--from) and fails (exit 1) when the recorded
variant is off by more than 10 %, the median of all by more than 15 % or
the worst by more than 30 %.`,
		Example: `  conclab record -- app.py --items 40
  conclab record --suite --repeat 3
  conclab record -o crawl.yaml -- -m mycrawler.main
  conclab record --python python3.12 app.py && conclab advise app.workload.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.suite {
				if len(args) > 0 {
					return errors.New("--suite records the corpus of examples/programs: give no program")
				}
				return runRecordSuite(cmd.Context(), s, &o)
			}
			if len(args) == 0 {
				return errors.New("missing program: give PROGRAM.py [ARGS…] or -m MODULE [ARGS…] after --")
			}
			return runRecord(cmd.Context(), s, &o, args)
		},
	}
	f := cmd.Flags()
	f.SetInterspersed(false) // what follows the program is the program's
	f.StringVarP(&o.output, "output", "o", "", "write the workload to this file (default: PROGRAM.workload.yaml; - for standard output)")
	f.StringVar(&o.python, "python", python.Default, "the Python interpreter that runs the program")
	f.StringVar(&o.format, "format", "text", "the summary on standard error: text or json (with --suite, the report on standard output)")
	f.BoolVar(&o.suite, "suite", false, "record the corpus of examples/programs and predict each variant of each job from one recording")
	f.IntVar(&o.repeat, "repeat", 3, "with --suite: runs of each variant, plain and recorded")
	f.StringVar(&o.from, "from", "sync", "with --suite: the variant whose recording predicts the others")
	f.StringSliceVar(&o.jobs, "jobs", nil, "with --suite: the jobs to run (default: all)")
	f.StringVar(&o.profile, "profile", "", "with --suite: a runtime profile file (conclab calibrate) instead of the built-in one")
	f.BoolVar(&o.warm, "warm-cores", false, "keep every core busy while the program runs (Linux: a loop per CPU at SCHED_IDLE), so the CPU recorded is what warm cores pay, as on a busy machine (with --suite: while the variants are recorded)")
	return cmd
}

func runRecord(ctx context.Context, s *streams, o *recordOptions, prog []string) error {
	if o.format != "text" && o.format != "json" {
		return fmt.Errorf("--format %q: want text or json", o.format)
	}
	if prog[0] == "-m" {
		if len(prog) < 2 {
			return errors.New("-m needs a module: -m package.module [ARGS…]")
		}
	} else {
		if strings.HasPrefix(prog[0], "-") {
			return fmt.Errorf("%s: record runs a program file or -m MODULE, not interpreter options", prog[0])
		}
		info, err := os.Stat(prog[0])
		if err != nil {
			return fmt.Errorf("%s: %w", prog[0], unwrapPath(err))
		}
		if info.IsDir() {
			return fmt.Errorf("%s: is a directory; give the program's .py file", prog[0])
		}
	}
	out := o.output
	if out == "" {
		out = record.WorkloadName(prog) + ".workload.yaml"
	}
	inputs := []input{{what: "the program", path: prog[0]}}
	if err := checkOutput(out, inputs...); err != nil {
		return err
	}
	py, err := python.Find(ctx, o.python)
	if err != nil {
		return err
	}
	if err := py.RequireCPython("record"); err != nil {
		return err
	}
	rec, status, err := record.Run(ctx, record.RunOptions{
		Python: o.python, Program: prog, Stdin: s.in, Stdout: s.out, Stderr: s.err, WarmCores: o.warm,
	})
	if err != nil {
		if errors.Is(err, record.ErrNoRecording) {
			fmt.Fprintf(s.err, "conclab: %s (exit status %d): it ended before the recorder could write (os._exit, or killed)\n", err, status)
			return &statusError{code: max(status, exitFailure)}
		}
		return err
	}
	cmdline := strings.Join(prog, " ")
	res, err := record.Fold(rec, record.Options{
		Command: cmdline, Name: record.WorkloadName(prog), Cores: runtime.NumCPU(),
		Date: time.Now().Format("2006-01-02"),
	})
	if err != nil {
		fmt.Fprintf(s.err, "conclab: %s: %v\n", cmdline, err)
		return &statusError{code: max(status, exitFailure)}
	}
	res.Summary.Output = out
	if out != stdoutPath {
		res.Summary.Next = "conclab advise " + shellQuote(out)
	}
	if err := s.emit(ctx, out, res.YAML, inputs...); err != nil {
		return err
	}
	if o.format == "json" {
		b, _ := json.MarshalIndent(res.Summary, "", "  ")
		fmt.Fprintf(s.err, "%s\n", b)
	} else {
		fmt.Fprint(s.err, res.Summary.Text())
		if out != stdoutPath {
			fmt.Fprintf(s.err, "wrote %s\n", out)
		}
	}
	if status != 0 {
		return &statusError{code: status}
	}
	return nil
}

// shellQuote quotes a path for a command line when it needs it.
func shellQuote(p string) string {
	if strings.IndexFunc(p, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/+,:@", r))
	}) < 0 {
		return p
	}
	return "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
}

// The corpus suite's bounds (issue: record one variant, predict every
// variant).
const (
	suiteRecordedMax = 0.10
	suiteMedianMax   = 0.15
	suiteWorstMax    = 0.30
)

func runRecordSuite(ctx context.Context, s *streams, o *recordOptions) error {
	if o.format != "text" && o.format != "json" {
		return fmt.Errorf("--format %q: want text or json", o.format)
	}
	if o.repeat < 1 || o.repeat > 50 {
		return fmt.Errorf("--repeat %d: want 1 to 50", o.repeat)
	}
	for _, j := range o.jobs {
		if !slices.Contains(record.Jobs, j) {
			return fmt.Errorf("--jobs: no job %q (want %s)", j, strings.Join(record.Jobs, ", "))
		}
	}
	py, err := python.Find(ctx, o.python)
	if err != nil {
		return err
	}
	if err := py.RequireCPython("record --suite"); err != nil {
		return err
	}
	// The built-in profile of the interpreter's release, as run and
	// verify take it, unless --profile names one.
	name, _ := conclabruntime.ForPython(py.Version.Major, py.Version.Minor, py.FreeThreaded)
	prof, err := conclabruntime.Builtin(name)
	if err != nil {
		return fail(err)
	}
	if o.profile != "" {
		if prof, err = conclabruntime.Load(o.profile); err != nil {
			return err
		}
	}
	// The real interpreter, not a launcher in front of it (pyenv's shim
	// adds a third of a second to every start): the recorder's overhead is
	// a share of the program's time.
	exe, err := python.Eval(ctx, o.python, "import sys; print(sys.executable)")
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	progress := func(line string) {
		if s.errTTY {
			fmt.Fprintf(s.err, "\r\x1b[K%s", line)
		} else {
			fmt.Fprintln(s.err, line)
		}
	}
	rep, err := record.Suite(ctx, record.SuiteConfig{
		Programs: examples.Programs(), Python: strings.TrimSpace(string(exe)), Repeat: o.repeat, Record: o.from,
		Jobs: o.jobs, Profile: prof, Progress: progress, WarmCores: o.warm,
	})
	if s.errTTY {
		fmt.Fprint(s.err, "\r\x1b[K")
	}
	if err != nil {
		return err
	}
	var buf strings.Builder
	if o.format == "json" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		buf.Write(b)
		buf.WriteByte('\n')
	} else {
		src := "built-in " + name + " profile"
		if o.profile != "" {
			src = "profile " + o.profile
		}
		warm := ""
		if o.warm {
			warm = ", made with the cores kept busy"
		}
		fmt.Fprintf(&buf, "record --suite · %s · %s · each variant's own timer, median of %d runs · predicted from the %s variant's recording%s\n\n", py, src, o.repeat, o.from, warm)
		fmt.Fprintf(&buf, "%-9s %-10s %-26s %10s %10s %8s %9s\n", "job", "variant", "model", "predicted", "measured", "error", "recorder")
		for _, r := range rep.Rows {
			mark := ""
			if r.Recorded {
				mark = " ◀ recorded"
			}
			fmt.Fprintf(&buf, "%-9s %-10s %-26s %9.3fs %9.3fs %+7.1f%% %+8.1f%%%s\n", r.Job, r.Variant, r.Model, r.Predicted, r.Measured, 100*r.Error, 100*r.Overhead, mark)
		}
		fmt.Fprintf(&buf, "\nthe sync and threads variants recorded, per kind of step (all tasks; medians of %d recordings each):\n", rep.Repeat)
		for _, a := range rep.Agreements {
			fmt.Fprintf(&buf, "  %-9s %-13s sync %8.3fs  threads %8.3fs  %+6.1f%%\n", a.Job, a.Kind, a.Sync, a.Threads, 100*a.Diff)
		}
		fmt.Fprintf(&buf, "\nrecorded variants: worst |error| %.1f%% (at most %.0f%%); all: median %.1f%% (at most %.0f%%), worst %.1f%% (at most %.0f%%); recorder overhead at most %+.1f%%\n",
			100*rep.RecordedWorst, 100*suiteRecordedMax, 100*rep.Median, 100*suiteMedianMax, 100*rep.Worst, 100*suiteWorstMax, 100*rep.WorstOverhead)
	}
	if _, err := io.WriteString(s.out, buf.String()); err != nil {
		return fail(err)
	}
	if rep.RecordedWorst > suiteRecordedMax || rep.Median > suiteMedianMax || rep.Worst > suiteWorstMax {
		return fail(fmt.Errorf("record --suite: recorded variants' worst %.1f%%, median %.1f%%, worst %.1f%% (bounds %.0f%%, %.0f%%, %.0f%%)",
			100*rep.RecordedWorst, 100*rep.Median, 100*rep.Worst, 100*suiteRecordedMax, 100*suiteMedianMax, 100*suiteWorstMax))
	}
	return nil
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/record"
)

type recordOptions struct {
	output string
	python string
	format string
}

func newRecordCmd(s *streams) *cobra.Command {
	var o recordOptions
	cmd := &cobra.Command{
		Use:   "record [-o FILE] [--python P] [--] PROGRAM.py [ARGS…] | -m MODULE [ARGS…]",
		Short: "Run a Python program and write the workload it is",
		Long: `Record runs a Python program as it always runs (its arguments, standard
streams, working directory and exit status are its own; Ctrl-C reaches it)
under a recorder written with the standard library alone, and writes the
workload it is: each thread, pool work item, asyncio task and the main
program's own calls of the function that handles one item become tasks;
their CPU with the GIL held, CPU in C code that released it (zlib,
hashlib, sqlite3), waits (sleep, sockets), blocking calls made on a running
event loop, and queues for semaphores become steps. Tasks of one function
and shape fold into a group with a count; durations that vary become the
distribution that fits them best. The model the program used comes first.

Then "conclab run FILE" predicts the recorded run, and "conclab advise
FILE" says which model and pool size the program should use.

The workload goes to -o (default: the program's name with .workload.yaml,
in the current directory; - for standard output), a summary of where the
time went to standard error. A program that fails still gives the workload
of what ran, with a warning; conclab exits with the program's status.`,
		Example: `  conclab record -- app.py --items 40
  conclab record -o crawl.yaml -- -m mycrawler.main
  conclab record --python python3.12 app.py && conclab advise app.workload.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
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
	f.StringVar(&o.format, "format", "text", "the summary on standard error: text or json")
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
		Python: o.python, Program: prog, Stdin: s.in, Stdout: s.out, Stderr: s.err,
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

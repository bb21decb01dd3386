package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/conclab/conclab/sim"
	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/conclab/conclab/internal/textsafe"
	"github.com/conclab/conclab/internal/version"
)

// Exit statuses (SPEC §5).
const (
	exitOK      = 0
	exitFailure = 1 // the work failed
	exitUsage   = 2 // bad usage or bad input
	// exitInternal is a bug in conclab itself (sysexits' EX_SOFTWARE), so
	// that scripts can tell it from bad input.
	exitInternal = 70
)

// debugEnv, when set to anything, adds the Go stack to an internal error.
const debugEnv = "CONCLAB_DEBUG"

func main() {
	os.Exit(execute(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// execute runs conclab with args (without the program name) and returns the
// exit status. Every error reaches stderr once, as one line; results go to
// stdout only when the command succeeded.
func execute(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	if env == nil {
		env = func(string) string { return "" }
	}
	s := &streams{in: stdin, out: stdout, err: stderr, env: env}
	if f, ok := stderr.(*os.File); ok {
		s.errTTY = isatty.IsTerminal(f.Fd())
	}
	root := newRootCmd(s)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return exitStatus(executeRecovering(ctx, root), stderr, env)
}

// exitStatus prints err, if any, on stderr and returns the exit status
// that goes with it.
func exitStatus(err error, stderr io.Writer, env func(string) string) int {
	if err == nil {
		return exitOK
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.code // said already: record passes the program's status on
	}
	var ie *sim.InternalError
	if errors.As(err, &ie) {
		fmt.Fprintf(stderr, "conclab: %s; this is a bug in conclab, please report it with the command that caused it (%s=1 adds the Go stack)\n",
			strings.Join(strings.Fields(ie.Error()), " "), debugEnv)
		if env(debugEnv) != "" {
			stderr.Write(ie.Stack)
		}
		return exitInternal
	}
	fmt.Fprintln(stderr, errorLine(err))
	var f *failure
	if errors.As(err, &f) && !errors.Is(err, sim.ErrTooLong) { // a workload too long to count is bad input
		return exitFailure
	}
	// Everything else is about what the user gave us: flags, arguments,
	// files, models. Cobra's own errors (unknown command, bad flag) are too.
	return exitUsage
}

// statusError ends conclab with a status and no message of its own.
type statusError struct{ code int }

func (e *statusError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// executeRecovering runs the command, turning a panic on this goroutine
// into an *sim.InternalError: a bug reaches the user as one line, not a
// Go stack.
func executeRecovering(ctx context.Context, root *cobra.Command) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &sim.InternalError{Value: r, Stack: debug.Stack()}
		}
	}()
	return root.ExecuteContext(ctx)
}

// streams is what the commands read and write, so tests run them in-process.
type streams struct {
	in       io.Reader
	out, err io.Writer
	env      func(string) string
	errTTY   bool // stderr is a terminal: progress lines are drawn there
}

func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "conclab",
		Short: "A concurrency lab for Python workloads",
		Long: `conclab simulates how a Python workload runs under plain sync code, a thread
pool, asyncio or processes, with CPython's GIL, and shows why.

Start with the guided tour of the tutorial's cases (conclab demo), then try a
built-in scenario or your own workload file.`,
		Example: `  conclab demo
  conclab examples
  conclab run seed-io
  conclab run -e '3 x [wait 2s]' -m sync -m asyncio`,
		Version:       version.String(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate(versionLine())
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })
	root.AddCommand(newRunCmd(s), newDemoCmd(s), newExamplesCmd(s), newRuntimesCmd(s))
	root.AddCommand(newCalibrateCmd(s))
	root.AddCommand(newExplainCmd(s))
	root.AddCommand(newServeCmd(s))
	root.AddCommand(newExportCmd(s), newVerifyCmd(s))
	root.AddCommand(newSweepCmd(s), newAdviseCmd(s), newWhatifCmd(s))
	root.AddCommand(newRecordCmd(s), newImportCmd(s))
	root.AddCommand(newVersionCmd(s))
	addCompletions(root)
	return root
}

// failure marks an error that happened while doing the work (exit status 1),
// as opposed to bad usage or bad input (exit status 2).
type failure struct{ err error }

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// fail wraps err as a failure of the work; nil stays nil.
func fail(err error) error {
	if err == nil {
		return nil
	}
	return &failure{err}
}

// errorLine formats err as the one line printed on stderr: prefixed with
// "conclab: " unless it already says where it is (file:line:col). It
// quotes file names and names from workloads, so it is made safe to print.
func errorLine(err error) string {
	msg := textsafe.Clean(strings.Join(strings.Fields(err.Error()), " "))
	if placed.MatchString(msg) {
		return msg
	}
	return "conclab: " + msg
}

// placed matches a message that starts with where it is: "file:line:col: ".
var placed = regexp.MustCompile(`^[^\s:]+:[0-9]+:[0-9]+: `)

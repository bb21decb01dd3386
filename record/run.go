package record

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "embed"

	"github.com/conclab/conclab/internal/child"
	interp "github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/internal/scratch"
)

//go:embed conclab_recorder.py
var recorderPy []byte

// bootstrap runs the recorder: its directory comes first on the command
// line, is appended to sys.path (after the program's own directories, so
// it shadows nothing) and taken off argv. The recorder is compiled once
// per interpreter into its directory's __pycache__ (compiling it takes
// 25 ms on a slow machine, a tenth of a short program; py_compile writes
// even where the interpreter is told not to write bytecode).
const bootstrap = `import sys, os
d = sys.argv.pop(1)
sys.path.append(d)
try:
    from importlib.util import cache_from_source
    src = os.path.join(d, "conclab_recorder.py")
    if not os.path.exists(cache_from_source(src)):
        import py_compile
        py_compile.compile(src, doraise=True)
except Exception:
    pass
import conclab_recorder
conclab_recorder.main()`

// recorderDir is where the recorder lives between runs: the user's cache,
// one directory per version of it, so that its compiled form is kept; a
// fresh scratch directory when there is no cache to write.
func recorderDir(scratchDir string) string {
	if cache, err := interp.CacheDir(); err == nil {
		sum := sha256.Sum256(recorderPy)
		dir := filepath.Join(cache, "recorder-"+hex.EncodeToString(sum[:6]))
		path := filepath.Join(dir, "conclab_recorder.py")
		if data, err := os.ReadFile(path); err == nil && bytes.Equal(data, recorderPy) {
			return dir
		}
		if os.MkdirAll(dir, 0o755) == nil {
			tmp := path + ".part" + strconv.Itoa(os.Getpid())
			if os.WriteFile(tmp, recorderPy, 0o644) == nil && os.Rename(tmp, path) == nil {
				return dir
			}
			os.Remove(tmp)
		}
	}
	return scratchDir
}

// RunOptions say what to record and how.
type RunOptions struct {
	Python  string   // the interpreter
	Program []string // prog.py [args…] or -m module [args…]
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Dir     string   // where the program runs; "": conclab's working directory
	Env     []string // the program's environment; nil: conclab's
	// Grace is how long a program has to end after conclab is
	// interrupted (it got the same Ctrl-C) before conclab passes the
	// signal on, and as long again before it kills it.
	Grace time.Duration
	// WarmCores keeps every core busy while the program runs, with a loop
	// that runs only when nothing else wants the CPU (warmCores): the
	// recording's CPU is then what a busy machine's warm cores pay.
	WarmCores bool
}

// ErrNoRecording: the program ended without the recorder writing what it
// did (os._exit, a signal that cannot be caught).
var ErrNoRecording = errors.New("the program left no recording")

// Run runs the program under the recorder with its own argv, streams and
// working directory, and returns the recording and the program's exit
// status (128+n for a signal n). Ctrl-C reaches the program as it would
// without conclab.
func Run(ctx context.Context, o RunOptions) (*Recording, int, error) {
	dir, err := scratch.Dir(scratch.Prefix + "record-*")
	if err != nil {
		return nil, 0, err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "conclab_recorder.py"), recorderPy, 0o600); err != nil {
		return nil, 0, err
	}
	out := filepath.Join(dir, "recording.json")
	args := append([]string{"-c", bootstrap, recorderDir(dir), out, "--"}, o.Program...)
	cmd := exec.Command(o.Python, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
	cmd.Dir, cmd.Env = o.Dir, o.Env
	cmd.SysProcAttr = sysProcAttr()
	// Output the caller reads through a pipe (a buffer, not a file) ends
	// 10 s after the program did: a descendant it left behind (a pool's
	// worker stuck on its queue's lock) must not keep Wait for ever.
	cmd.WaitDelay = 10 * time.Second
	// Interrupts go on to the program: it gets Ctrl-C from the terminal
	// itself (same process group); a signal sent to conclab alone is
	// passed on if the program has not ended by the grace time.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var warmStart time.Duration
	if o.WarmCores {
		began := time.Now()
		stop, err := warmCores(ctx, o.Python)
		if err != nil {
			return nil, 0, err
		}
		defer stop()
		warmStart = time.Since(began)
	}
	if err := child.Start(cmd); err != nil {
		return nil, 0, fmt.Errorf("starting %s: %w", o.Python, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	grace := o.Grace
	if grace <= 0 {
		grace = 2 * time.Second
	}
	var werr error
	var passOn <-chan time.Time
	var kill <-chan time.Time
	var sig os.Signal = os.Interrupt
	cancelled := ctx.Done()
wait:
	for {
		select {
		case werr = <-done:
			break wait
		case s := <-sigs:
			sig = s
			if passOn == nil {
				passOn = time.After(grace)
			}
		case <-cancelled:
			cancelled = nil
			if passOn == nil {
				passOn = time.After(grace)
			}
		case <-passOn:
			cmd.Process.Signal(sig)
			kill = time.After(grace)
			passOn = nil
		case <-kill:
			cmd.Process.Kill()
		}
	}
	status := 0
	if werr != nil {
		var ee *exec.ExitError
		if !errors.As(werr, &ee) {
			return nil, 0, werr
		}
		status = exitCode(ee)
	}
	f, err := os.Open(out)
	if err != nil {
		return nil, status, ErrNoRecording
	}
	defer f.Close()
	rec, err := Read(f)
	if err != nil {
		return nil, status, err
	}
	// The children it forked that recorded what they did (a server's
	// workers): out.<pid>.
	kids, _ := filepath.Glob(out + ".*")
	slices.Sort(kids)
	for _, k := range kids {
		if strings.HasSuffix(k, ".part") {
			continue
		}
		data, err := os.ReadFile(k)
		if err != nil {
			continue
		}
		c, err := ReadChild(bytes.NewReader(data))
		if err != nil {
			rec.Notes = append(rec.Notes, fmt.Sprintf("a forked child's recording %s: %v", filepath.Base(k), err))
			continue
		}
		rec.Merge(c)
	}
	rec.Adopt()
	rec.WarmCores, rec.WarmStart = o.WarmCores, warmStart
	return rec, status, nil
}

// exitCode is the status a shell would show: the exit code, or 128+n for
// signal n.
func exitCode(ee *exec.ExitError) int {
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ee.ExitCode()
}

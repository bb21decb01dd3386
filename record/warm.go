package record

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	goruntime "runtime"
	"strconv"
	"strings"

	"github.com/conclab/conclab/internal/child"
)

// A core that sat idle runs the next code slower until its caches are
// full again: a deep idle state powers the core's own caches down, and
// on a VM the host runs other work on it meanwhile. On the Zen 5 host of
// 2026-12-04 one item of the corpus's fetch job (json.loads of 8 KiB, a
// loop over the records, a sha256) took 851 µs of CPU right after
// another and 1,049 µs after a 20 ms sleep; with a lowest-priority loop
// on the core the sleep cost nothing. A sync program pays it before every
// item, a busy server hardly ever. WarmCores records what a busy
// machine's cores pay: one loop per CPU at SCHED_IDLE, which runs only
// when nothing else wants the CPU, so that no core idles while the
// program runs.

// warmLoop is the loop each core runs: pinned to its CPU (the argument:
// its index among those the process may use), at SCHED_IDLE, deaf to
// Ctrl-C (conclab ends it), saying "ready" once it spins.
const warmLoop = `import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
cpus = sorted(os.sched_getaffinity(0))
os.sched_setaffinity(0, {cpus[int(sys.argv[1]) % len(cpus)]})
os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
print("ready", flush=True)
while True:
    pass
`

// errWarmCores: only Linux has SCHED_IDLE.
var errWarmCores = errors.New("--warm-cores needs Linux (SCHED_IDLE)")

// warmCores starts one warm loop per CPU with python and returns what
// stops them. They die with conclab (kill -9 included) and are in a
// process group of their own: a Ctrl-C meant for the program is not
// theirs.
func warmCores(ctx context.Context, python string) (stop func(), err error) {
	if goruntime.GOOS != "linux" {
		return nil, errWarmCores
	}
	// One per CPU: the process, what it says, and what it complains of.
	type loop struct {
		cmd  *exec.Cmd
		out  *bufio.Reader
		errs bytes.Buffer
	}
	var loops []*loop
	stop = func() {
		for _, l := range loops {
			l.cmd.Process.Kill()
			l.cmd.Wait()
		}
	}
	// All start at once (an interpreter's start-up each, about 20 ms
	// without site), then each says it spins.
	for i := range goruntime.NumCPU() {
		l := &loop{cmd: exec.Command(python, "-I", "-S", "-c", warmLoop, strconv.Itoa(i))}
		l.cmd.SysProcAttr = warmAttr()
		l.cmd.Stderr = &l.errs
		out, err := l.cmd.StdoutPipe()
		if err != nil {
			stop()
			return nil, err
		}
		if err := child.Start(l.cmd); err != nil {
			stop()
			return nil, fmt.Errorf("--warm-cores: starting %s: %w", python, err)
		}
		l.out = bufio.NewReader(out)
		loops = append(loops, l)
	}
	for i, l := range loops {
		line, err := l.out.ReadString('\n')
		if err != nil || line != "ready\n" {
			stop()
			why := strings.TrimSpace(l.errs.String())
			if k := strings.LastIndexByte(why, '\n'); k >= 0 {
				why = why[k+1:] // the exception, not its traceback
			}
			if why == "" {
				why = fmt.Sprintf("it said %q", line)
			}
			return nil, fmt.Errorf("--warm-cores: the loop for CPU %d did not start: %s", i, why)
		}
	}
	if ctx.Err() != nil {
		stop()
		return nil, ctx.Err()
	}
	return stop, nil
}

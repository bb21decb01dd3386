//go:build unix

package child

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"syscall"
	"time"
)

// watchdog reads standard input to its end, then kills its process group
// (kill 0). The group's leader, it outlives conclab only until the kernel
// closes conclab's end of the pipe. It is POSIX sh, not the python the
// group runs, which may be anything (tests run fakes).
const watchdog = `while read -r line; do :; done; kill -s KILL 0`

// Group is a process group that ends with conclab: its processes are
// killed when conclab kills them (Kill, Close, a Cmd's context) and when
// conclab dies, by the group's watchdog.
type Group struct {
	pgid     int
	watchdog *exec.Cmd
	pipe     io.WriteCloser
}

// NewGroup starts a group and its watchdog.
func NewGroup() (*Group, error) {
	w := exec.Command("/bin/sh", "-c", watchdog)
	// No parent-death signal: the watchdog must live on to kill the group.
	w.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pipe, err := w.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := w.Start(); err != nil {
		pipe.Close()
		return nil, fmt.Errorf("the watchdog: %w", err)
	}
	return &Group{pgid: w.Process.Pid, watchdog: w, pipe: pipe}, nil
}

// ID is the group's process group id (the watchdog's pid).
func (g *Group) ID() int { return g.pgid }

// Command returns a Cmd that runs name in the group, with the parent-death
// signal where there is one; when ctx is done the whole group is killed.
// Start it with Start.
func (g *Group) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: g.pgid}
	setDeathSignal(cmd.SysProcAttr)
	cmd.Cancel = func() error { return syscall.Kill(-g.pgid, syscall.SIGKILL) }
	// A worker that outlived the kill and kept a pipe open must not make
	// Wait hang.
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// Kill kills every process of the group, the watchdog included.
func (g *Group) Kill() { syscall.Kill(-g.pgid, syscall.SIGKILL) }

// Close kills every process of the group and waits, for at most a few
// seconds, until none is left. Wait for the group's Cmds after Kill and
// before Close: until then they are zombies, which count as members.
func (g *Group) Close() {
	g.Kill()
	g.pipe.Close()
	g.watchdog.Wait()
	for range 200 {
		if syscall.Kill(-g.pgid, 0) != nil {
			return // ESRCH: no process of the group is left
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Command returns a Cmd that runs name in a process group of its own (no
// watchdog: for short commands that start no children), with the
// parent-death signal where there is one; when ctx is done the group is
// killed. Start it with Start.
func Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setDeathSignal(cmd.SysProcAttr)
	cmd.Cancel = func() error {
		// The leader is not reaped before Cancel returns, so its pid (the
		// group's id) cannot have been reused.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

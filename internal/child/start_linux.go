package child

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// setDeathSignal asks Linux to kill the child when its parent dies.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }

// The parent-death signal fires when the thread that forked the child
// ends, not the process (prctl(2), PR_SET_PDEATHSIG; golang/go#27505), and
// Go ends a thread when a goroutine locked to it returns. So every child is
// forked by one goroutine that locks its thread and never returns: that
// thread lives exactly as long as conclab.
var (
	startOnce sync.Once
	starts    chan startRequest
)

type startRequest struct {
	cmd  *exec.Cmd
	done chan error
}

// Start starts cmd from the thread that lives as long as conclab.
func Start(cmd *exec.Cmd) error {
	startOnce.Do(func() {
		starts = make(chan startRequest)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread must not be reused or ended
			for r := range starts {
				r.done <- r.cmd.Start()
			}
		}()
	})
	r := startRequest{cmd, make(chan error, 1)}
	starts <- r
	return <-r.done
}

//go:build unix

package runtime

import (
	"context"
	"os/exec"
	"syscall"
	"time"
)

// command returns a Cmd that runs in its own process group: when ctx is
// done the whole group is killed, so children the interpreter started
// (process-pool workers, fresh interpreters) end with it.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// The leader is not reaped before Cancel returns, so its pid (the
		// group's id) cannot have been reused.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	// A child that outlived the group kill and kept a pipe open must not
	// make Wait hang.
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

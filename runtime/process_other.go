//go:build !unix

package runtime

import (
	"context"
	"os/exec"
	"time"
)

// command returns a Cmd killed when ctx is done. Without process groups,
// children of the interpreter are not killed with it.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

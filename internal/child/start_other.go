//go:build !linux

package child

import "os/exec"

// Start starts cmd. Without a parent-death signal any thread will do.
func Start(cmd *exec.Cmd) error { return cmd.Start() }

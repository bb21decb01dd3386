//go:build unix && !linux

package child

import "syscall"

// setDeathSignal does nothing: only Linux has a parent-death signal; the
// group's watchdog kills the child.
func setDeathSignal(*syscall.SysProcAttr) {}

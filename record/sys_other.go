//go:build !linux

package record

import "syscall"

// sysProcAttr: without a parent-death signal the program outlives a
// conclab killed with -9, as it would a shell.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }

// warmAttr: warm loops run on Linux alone (warmCores refuses elsewhere).
func warmAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }

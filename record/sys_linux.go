package record

import "syscall"

// sysProcAttr: the program dies with conclab (kill -9 included); it stays
// in conclab's process group, so Ctrl-C reaches it as it would without
// conclab.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

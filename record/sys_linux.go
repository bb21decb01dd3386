package record

import "syscall"

// sysProcAttr: the program dies with conclab (kill -9 included); it stays
// in conclab's process group, so Ctrl-C reaches it as it would without
// conclab.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// warmAttr: a warm loop dies with conclab and has a process group of its
// own (the terminal's Ctrl-C is the program's).
func warmAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

//go:build unix

package testtool

import (
	"os"
	"sync"
	"syscall"
)

// inProcess serialises the callers of one process: flock locks belong to
// the open file, so two opens in one process would not exclude each other
// on every system.
var inProcess sync.Mutex

// lock takes an exclusive lock on path, waiting for it, and returns what
// releases it.
func lock(path string) (func(), error) {
	inProcess.Lock()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		inProcess.Unlock()
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		inProcess.Unlock()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		inProcess.Unlock()
	}, nil
}

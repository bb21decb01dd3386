//go:build !unix

package testtool

import "sync"

var inProcess sync.Mutex

// lock serialises the callers of this process only: the wall-time tests
// run where real CPython's timings are measured, on Linux.
func lock(string) (func(), error) {
	inProcess.Lock()
	return inProcess.Unlock, nil
}

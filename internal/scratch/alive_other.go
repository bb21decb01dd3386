//go:build !unix

package scratch

import (
	"io/fs"
	"os"
)

// alive says whether a process pid exists: on Windows, FindProcess opens
// it and fails when there is none.
func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}

// mine is true: the temporary directory is the user's own.
func mine(fs.FileInfo) bool { return true }

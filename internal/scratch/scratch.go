// Package scratch makes the temporary directories conclab works in, and
// removes those that a killed conclab left behind.
package scratch

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Prefix starts the name of every directory Dir makes.
const Prefix = "conclab-"

// PIDFile is the file in each directory that holds its conclab's pid.
const PIDFile = "conclab.pid"

// StaleAfter is how old a directory must be before Sweep removes it: a
// conclab writes its pid file at once, so a younger directory may be one
// that another conclab is still setting up.
const StaleAfter = time.Minute

var sweepOnce sync.Once

// Dir creates a new directory in os.TempDir() as os.MkdirTemp does with
// pattern, which must start with Prefix, and writes this process's pid
// into it. The first call of a process sweeps the directories earlier
// runs left (Sweep).
func Dir(pattern string) (string, error) {
	if !strings.HasPrefix(pattern, Prefix) {
		panic("scratch: pattern " + pattern + " does not start with " + Prefix)
	}
	sweepOnce.Do(func() { Sweep(os.TempDir(), time.Now()) })
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", err
	}
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if err := os.WriteFile(filepath.Join(dir, PIDFile), pid, 0o600); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// Sweep removes the directories Prefix* of parent whose conclab is gone:
// ours, older than StaleAfter at now, and holding a pid file of a process
// that no longer runs. A directory without a pid file (not conclab's, or
// being set up) or of a live process is kept, so a concurrent conclab is
// never disturbed. It returns the directories it removed.
func Sweep(parent string, now time.Time) []string {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), Prefix) {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		info, err := os.Lstat(dir)
		if err != nil || !info.IsDir() || !mine(info) || now.Sub(info.ModTime()) < StaleAfter {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, PIDFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 0 || pid == os.Getpid() || alive(pid) {
			continue
		}
		if os.RemoveAll(dir) == nil {
			removed = append(removed, dir)
		}
	}
	return removed
}

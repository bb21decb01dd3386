package testtool

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Missing skips t because a tool it needs is not installed, or fails it
// when the environment variable CI is set: CI installs every tool the
// tests use, so a missing one there is a broken set-up, never a green run.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set but "+format, args...)
	}
	t.Skipf(format, args...)
}

// lockName is the file whose lock the wall-time tests of every package
// take turns on; `go test ./...` runs packages in parallel processes (the
// README's command, `go test -p 1 -timeout 60m ./...`, one at a time).
const lockName = "conclab-wallclock.lock"

// WallClock makes t wait until no other test that measures wall time, in
// this process or another, is running, and holds the turn until t ends.
// Tests that compare a real interpreter's timings with predictions call it
// first: on a machine with two cores, two such tests at once slow each
// other down and both fail.
//
// A test (or one of its subtests) that already holds the turn takes it
// again at once: a browser test that opens two browsers, each taking the
// turn, would otherwise wait for itself.
func WallClock(t testing.TB) {
	t.Helper()
	name := t.Name()
	turn.Lock()
	if turn.depth > 0 && (name == turn.holder || strings.HasPrefix(name, turn.holder+"/")) {
		turn.depth++
		turn.Unlock()
		t.Cleanup(releaseTurn)
		return
	}
	turn.Unlock()
	unlock, err := lock(filepath.Join(os.TempDir(), lockName))
	if err != nil {
		t.Fatalf("taking the wall-clock turn: %v", err)
	}
	turn.Lock()
	turn.holder, turn.depth, turn.unlock = name, 1, unlock
	turn.Unlock()
	t.Cleanup(releaseTurn)
}

// turn is who in this process holds the wall-clock turn, and how many
// times it has taken it.
var turn struct {
	sync.Mutex
	holder string
	depth  int
	unlock func()
}

// releaseTurn gives one taking of the turn back; the last gives it up.
func releaseTurn() {
	turn.Lock()
	turn.depth--
	if turn.depth > 0 {
		turn.Unlock()
		return
	}
	unlock := turn.unlock
	turn.holder, turn.unlock = "", nil
	turn.Unlock()
	unlock()
}

// Heavy takes the same turn as WallClock for a test that keeps the cores
// busy for seconds without measuring time itself (hours of simulated work,
// hundreds of concurrent requests): run beside a wall-time test, it would
// stretch that test's measurements, or its own deadlines would be missed.
func Heavy(t testing.TB) {
	t.Helper()
	WallClock(t)
}

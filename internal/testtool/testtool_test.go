package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLockExcludesOtherProcesses holds the lock here while a child
// process, this test binary again, tries to take it: the child must wait
// until the lock is released.
func TestLockExcludesOtherProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.lock")
	if os.Getenv("TESTTOOL_CHILD") != "" {
		unlock, err := lock(os.Getenv("TESTTOOL_CHILD"))
		if err != nil {
			t.Fatal(err)
		}
		unlock()
		return
	}
	unlock, err := lock(path)
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command(os.Args[0], "-test.run=^TestLockExcludesOtherProcesses$")
	child.Env = append(os.Environ(), "TESTTOOL_CHILD="+path)
	var out strings.Builder
	child.Stdout, child.Stderr = &out, &out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- child.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("the child took the lock while it was held (%v)\n%s", err, out.String())
	case <-time.After(300 * time.Millisecond):
	}
	unlock()
	if err := <-done; err != nil {
		t.Fatalf("child: %v\n%s", err, out.String())
	}
}

func TestMissingFailsInCI(t *testing.T) {
	if os.Getenv("TESTTOOL_MISSING") != "" {
		Missing(t, "no %s", "chromium")
		return
	}
	for _, ci := range []string{"", "true"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingFailsInCI$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTTOOL_MISSING=1", "CI="+ci)
		out, err := cmd.CombinedOutput()
		failed := err != nil
		if failed != (ci != "") {
			t.Errorf("CI=%q: failed %v, want %v\n%s", ci, failed, ci != "", out)
		}
		if !strings.Contains(string(out), "no chromium") {
			t.Errorf("CI=%q: the reason is not shown:\n%s", ci, out)
		}
	}
}

// TestWallClockTakenTwice: a test that takes the turn twice (a browser
// test opening two browsers), and its subtest, go on at once (without
// this, the second taking waited for the first for ever); once the test
// has ended, the turn is free.
func TestWallClockTakenTwice(t *testing.T) {
	t.Run("holder", func(t *testing.T) {
		WallClock(t)
		WallClock(t)
		t.Run("sub", func(t *testing.T) { Heavy(t) })
	})
	free := make(chan struct{})
	go func() {
		if unlock, err := lock(filepath.Join(os.TempDir(), lockName)); err == nil {
			unlock()
		}
		close(free)
	}()
	select {
	case <-free:
	case <-time.After(10 * time.Second):
		t.Fatal("the turn was not given back after its holder ended")
	}
}

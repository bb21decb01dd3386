package scratch

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// deadPID is the pid of a process that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestSweep(t *testing.T) {
	parent := t.TempDir()
	now := time.Now()
	old := now.Add(-2 * StaleAfter)
	dead := deadPID(t)
	mk := func(name string, pid int, mod time.Time) string {
		dir := filepath.Join(parent, name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if pid != 0 {
			if err := os.WriteFile(filepath.Join(dir, PIDFile), []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "program.py"), []byte("pass\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(dir, mod, mod); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	stale := mk("conclab-server-1", dead, old)
	staleToo := mk("conclab-calibrate-2", dead, old)
	keep := []string{
		mk("conclab-verify-3", os.Getpid(), old),             // this process: alive
		mk("conclab-verify-4", os.Getppid(), old),            // alive, another process
		mk("conclab-server-5", dead, now.Add(-StaleAfter/2)), // too young: may be being set up
		mk("conclab-server-6", 0, old),                       // no pid file: not conclab's
		mk("other-7", dead, old),                             // not conclab's name
	}
	if err := os.WriteFile(filepath.Join(parent, "conclab-file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, filepath.Join(parent, "conclab-file")) // a file, not a directory

	got := Sweep(parent, now)
	slices.Sort(got)
	if want := []string{staleToo, stale}; !slices.Equal(got, want) {
		t.Errorf("Sweep removed %q, want %q", got, want)
	}
	for _, dir := range []string{stale, staleToo} {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s is still there (%v)", dir, err)
		}
	}
	for _, dir := range keep {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("%s was removed: %v", dir, err)
		}
	}
}

func TestDir(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	dir, err := Dir("conclab-test-*")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, PIDFile))
	if err != nil {
		t.Fatal(err)
	}
	if want := strconv.Itoa(os.Getpid()) + "\n"; string(data) != want {
		t.Errorf("pid file %q, want %q", data, want)
	}
	// A live conclab's directory survives a sweep however old it is.
	if got := Sweep(filepath.Dir(dir), time.Now().Add(time.Hour)); len(got) > 0 {
		t.Errorf("Sweep removed %q, a live process's", got)
	}
}

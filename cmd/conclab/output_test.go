package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// -o refuses what it must not replace, writes through a link to a regular
// file, keeps a file's mode, and never replaces a file being read.
func TestOutputRules(t *testing.T) {
	dir := t.TempDir()
	f := func(name string) string { return filepath.Join(dir, name) }
	const workload = "tasks:\n  - count: 2\n    steps:\n      - wait: 10ms\n"
	write := func(name, data string, mode os.FileMode) string {
		t.Helper()
		if err := os.WriteFile(f(name), []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(f(name), mode); err != nil { // past the umask
			t.Fatal(err)
		}
		return f(name)
	}
	wl := write("w.yaml", workload, 0o644)
	write("private.txt", "old", 0o600)
	write("target.txt", "old", 0o644)
	write("linked.txt", "old", 0o644)
	if err := os.Symlink(f("target.txt"), f("link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(wl, f("wl-link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(f("nowhere"), f("dangling")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(f("linked.txt"), f("other-name.txt")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(f("fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(f("fifo"), f("fifo-link")); err != nil {
		t.Fatal(err)
	}
	// The workload spelt another way: through "..", relative to the
	// working directory.
	other := filepath.Join(dir, "sub", "..", "w.yaml")
	if err := os.Mkdir(f("sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // prefix of the one line on stderr, or "" for none
		file   string // a file that must then hold the output
		mode   os.FileMode
	}{
		{"new file", []string{"run", wl, "-o", f("new.txt")}, exitOK, "", f("new.txt"), 0o644},
		{"0600 kept", []string{"run", wl, "-o", f("private.txt")}, exitOK, "", f("private.txt"), 0o600},
		{"symlink written through", []string{"run", wl, "-o", f("link.txt")}, exitOK, "", f("target.txt"), 0o644},
		{"dangling symlink", []string{"run", wl, "-o", f("dangling")}, exitUsage,
			"conclab: -o " + f("dangling") + ": a symbolic link to nothing that can be written", "", 0},
		{"FIFO", []string{"run", wl, "-o", f("fifo")}, exitUsage,
			"conclab: -o " + f("fifo") + ": is a FIFO, not a regular file; give a file name, or -o - for standard output", "", 0},
		{"symlink to a FIFO", []string{"run", wl, "-o", f("fifo-link")}, exitUsage,
			"conclab: -o " + f("fifo-link") + ": is a FIFO, not a regular file", "", 0},
		{"missing directory", []string{"run", wl, "-o", "out/x.svg"}, exitUsage,
			"conclab: -o out/x.svg: no directory out; create it first\n", "", 0},
		{"missing directories", []string{"run", wl, "-o", f("out/deeper/x.svg")}, exitUsage,
			"conclab: -o " + f("out/deeper/x.svg") + ": no directory " + f("out/deeper") + "; create it first\n", "", 0},
		{"a file as the directory", []string{"run", wl, "-o", "w.yaml/x.svg"}, exitUsage,
			"conclab: -o w.yaml/x.svg: w.yaml is not a directory\n", "", 0},
		{"directory", []string{"run", wl, "-o", dir}, exitUsage, "conclab: -o " + dir + ": is a directory", "", 0},
		{"hard link", []string{"run", wl, "-o", f("linked.txt")}, exitUsage,
			"conclab: -o " + f("linked.txt") + ": the file has 2 hard links, which replacing it would break", "", 0},
		{"the workload", []string{"run", wl, "-o", wl}, exitUsage,
			"conclab: -o " + wl + " is the workload being read; choose another file", "", 0},
		{"the workload, relative", []string{"run", "w.yaml", "-o", "./w.yaml"}, exitUsage,
			"conclab: -o ./w.yaml is the workload being read; choose another file", "", 0},
		{"the workload, through ..", []string{"run", wl, "-o", other}, exitUsage,
			"conclab: -o " + other + " is the workload being read", "", 0},
		{"the workload, through a link", []string{"run", wl, "-o", f("wl-link.yaml")}, exitUsage,
			"conclab: -o " + f("wl-link.yaml") + " is the workload being read", "", 0},
		{"the profile", []string{"run", wl, "--profile", f("private.txt"), "-o", f("private.txt")}, exitUsage,
			"conclab: -o " + f("private.txt") + " is the --profile being read", "", 0},
		{"export", []string{"export", wl, "-m", "sync", "-o", wl}, exitUsage, "conclab: -o " + wl + " is the workload being read", "", 0},
		{"sweep", []string{"sweep", wl, "-m", "threads(1..2)", "-o", f("fifo")}, exitUsage, "conclab: -o " + f("fifo") + ": is a FIFO", "", 0},
		{"advise", []string{"advise", wl, "-o", wl}, exitUsage, "conclab: -o " + wl + " is the workload being read", "", 0},
		{"verify", []string{"verify", wl, "-o", f("fifo")}, exitUsage, "conclab: -o " + f("fifo") + ": is a FIFO", "", 0},
		{"calibrate", []string{"calibrate", "-o", f("fifo")}, exitUsage, "conclab: -o " + f("fifo") + ": is a FIFO", "", 0},
	}
	if info, err := os.Stat("/dev/null"); err == nil && info.Mode()&os.ModeCharDevice != 0 {
		tests = append(tests, struct {
			name   string
			args   []string
			code   int
			stderr string
			file   string
			mode   os.FileMode
		}{"device", []string{"run", wl, "-o", "/dev/null"}, exitUsage,
			"conclab: -o /dev/null: is a character device, not a regular file", "", 0})
	}
	want := conclab(t, nil, "run", wl).stdout
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := conclab(t, nil, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, tt.code, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			switch {
			case tt.stderr == "" && r.stderr != "":
				t.Errorf("stderr %q, want nothing", r.stderr)
			case tt.stderr != "" && (!strings.HasPrefix(r.stderr, tt.stderr) || strings.Count(r.stderr, "\n") != 1):
				t.Errorf("stderr %q, want one line starting with %q", r.stderr, tt.stderr)
			}
			if tt.file == "" {
				return
			}
			got, err := os.ReadFile(tt.file)
			if err != nil || string(got) != want {
				t.Errorf("%s holds %q (%v), want the report", tt.file, got, err)
			}
			if info, err := os.Stat(tt.file); err != nil || info.Mode().Perm() != tt.mode {
				t.Errorf("%s mode %v (%v), want %v", tt.file, info.Mode().Perm(), err, tt.mode)
			}
		})
	}

	// What was refused is as it was.
	if data, _ := os.ReadFile(wl); string(data) != workload {
		t.Errorf("the workload was overwritten: %q", data)
	}
	if data, _ := os.ReadFile(f("linked.txt")); string(data) != "old" {
		t.Errorf("the hard-linked file was overwritten: %q", data)
	}
	if info, err := os.Lstat(f("link.txt")); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symbolic link is no longer one (%v)", err)
	}
	if info, err := os.Lstat(f("fifo")); err != nil || info.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO is no longer one (%v)", err)
	}
	if info, err := os.Stat("/dev/null"); err == nil && info.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("/dev/null is no longer a character device: %v", info.Mode())
	}
	if tmps, _ := filepath.Glob(f(".*.tmp-*")); len(tmps) > 0 {
		t.Errorf("temporary files left: %v", tmps)
	}
}

// -o - writes to standard output, as if there were no -o.
func TestOutputStdout(t *testing.T) {
	t.Chdir(t.TempDir())
	want := conclab(t, nil, "run", "seed-io", "--format", "json")
	r := conclab(t, nil, "run", "seed-io", "--format", "json", "-o", "-")
	if r.code != exitOK || r.stdout != want.stdout || r.stdout == "" || r.stderr != "" {
		t.Errorf("-o -: exit %d, stdout %d bytes (want %d), stderr %q", r.code, len(r.stdout), len(want.stdout), r.stderr)
	}
	if _, err := os.Stat("-"); err == nil {
		t.Errorf("-o - created a file named -")
	}
}

// interruptAfter is a context cancelled once Err has been asked n times:
// a signal arriving in the middle of a write.
type interruptAfter struct {
	context.Context
	n int
}

func (c *interruptAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

// An interrupt during the final write removes the temporary file and leaves
// the target as it was.
func TestOutputWriteInterrupted(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 3*writeChunk)
	for _, n := range []int{0, 1, 2, 3} {
		ctx := &interruptAfter{Context: context.Background(), n: n}
		err := writeOutput(ctx, path, data)
		if err == nil || !strings.Contains(err.Error(), "interrupted; the file was left as it was") {
			t.Errorf("interrupt after %d chunks: error %v", n, err)
		}
		if got, _ := os.ReadFile(path); string(got) != "old" {
			t.Errorf("interrupt after %d chunks: the file holds %d bytes", n, len(got))
		}
		if tmps, _ := filepath.Glob(filepath.Join(dir, ".out.txt.tmp-*")); len(tmps) > 0 {
			t.Errorf("interrupt after %d chunks: temporary files left: %v", n, tmps)
		}
	}
	if err := writeOutput(context.Background(), path, data); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); len(got) != len(data) {
		t.Errorf("uninterrupted write: %d bytes, want %d", len(got), len(data))
	}
}

//go:build linux

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conclab/conclab/workload"
)

const endless = `import time
def handle(i):
    time.sleep(0.02)
for i in range(100000):
    handle(i)
    if i == 3:
        print("started", flush=True)
`

// TestRecordInterrupted: Ctrl-C sent to conclab alone reaches the program,
// which ends as Python does on Ctrl-C; conclab writes the workload of what
// ran, exits with the program's status (130) and leaves no process.
func TestRecordInterrupted(t *testing.T) {
	needPython(t)
	bin := buildConclab(t)
	dir, prog := writeProg(t, endless)
	out := filepath.Join(dir, "app.yaml")
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			os.Remove(out)
			cmd := exec.Command(bin, "record", "-o", out, "--", prog)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			// conclab's own process group: a signal to it alone, as kill
			// sends it (a terminal's Ctrl-C reaches the program anyway).
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, _ := bufio.NewReader(stdout).ReadString('\n')
			if line != "started\n" {
				cmd.Process.Kill()
				t.Fatalf("the program said %q", line)
			}
			pids := children(cmd.Process.Pid)
			if len(pids) == 0 {
				t.Fatal("no python under conclab")
			}
			cmd.Process.Signal(sig)
			err = cmd.Wait()
			code := cmd.ProcessState.ExitCode()
			if sig == syscall.SIGINT {
				if code != 130 {
					t.Errorf("exit %d (%v), want 130: %s", code, err, stderr.String())
				}
				data, err := os.ReadFile(out)
				if err != nil {
					t.Fatalf("no workload after Ctrl-C: %v\n%s", err, stderr.String())
				}
				if wl, err := workload.Parse(out, data); err != nil || wl.NumTasks() < 4 {
					t.Errorf("want the workload of what ran (at least 4 calls): %v\n%s", err, data)
				}
			}
			deadline := time.Now().Add(5 * time.Second)
			for _, pid := range pids {
				for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
				if syscall.Kill(pid, 0) == nil && !zombie(pid) {
					t.Errorf("the program (pid %d) outlived conclab (%v)", pid, sig)
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		})
	}
}

// children are the pids whose parent is pid (procs, verify_kill_test.go).
func children(pid int) []int {
	var out []int
	for _, p := range procs() {
		if p.ppid == pid {
			out = append(out, p.pid)
		}
	}
	return out
}

// zombie: pid has ended and waits for its parent to reap it (or is gone).
func zombie(pid int) bool {
	for _, p := range procs() {
		if p.pid == pid {
			return p.state == "Z"
		}
	}
	return true
}

//go:build linux

package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/testtool"
)

// After kill -9 of conclab verify on an open workload, no process it
// started (the watchdog, the server, the server's workers) is left and the
// server's port is closed: each case runs the real binary and reads /proc.
func TestVerifyKilledLeavesNoOrphan(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		testtool.Missing(t, "no python3 on PATH: skipping what runs the real CPython (.ci/run installs one)")
	}
	bin := buildConclab(t)
	wl := filepath.Join(t.TempDir(), "open.yaml")
	// A minute of arrivals: the server is still serving when it is killed.
	const text = "name: open\narrivals: {rate: 20/s, for: 60s}\ntasks:\n  - steps: [{work: 1ms}, {wait: 5ms}]\n"
	if err := os.WriteFile(wl, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// Debian's python3 with gunicorn and uvicorn serves the composites
	// with them: gunicorn's forked and uvicorn's spawned workers.
	const debian = "/usr/bin/python3"
	cases := []struct {
		name, python, model string
		thirdParty          bool
	}{
		{"forked workers", python, "processes(2)", false},
		{"threads", python, "threads(2)", false},
		{"gunicorn", debian, "processes(2)*threads(2)", true},
		{"uvicorn", debian, "processes(2)*asyncio", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.thirdParty && exec.Command(debian, "-c", "import gunicorn, uvicorn").Run() != nil {
				testtool.Missing(t, "%s cannot import gunicorn and uvicorn: skipping them (apt-get install gunicorn python3-uvicorn)", debian)
			}
			cmd := exec.Command(bin, "verify", wl, "-m", c.model, "--python", c.python, "--repeat", "1")
			marker := fmt.Sprintf("CONCLAB_KILL_TEST=%d-%d", os.Getpid(), time.Now().UnixNano())
			cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir(), marker)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			killed := false
			defer func() {
				if !killed {
					cmd.Process.Kill()
					cmd.Wait()
				}
			}()
			groups, port := waitListening(t, cmd.Process.Pid, 60*time.Second)
			if port == 0 {
				t.Fatalf("the server never listened; conclab said %q", stderr.String())
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			killed = true
			var left []string
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				left = inGroups(groups)
				if len(left) == 0 || time.Now().After(deadline) {
					break
				}
			}
			if len(left) > 0 {
				t.Errorf("5 s after kill -9 of conclab, processes of its groups %v are left:\n%s", groups, strings.Join(left, "\n"))
				for _, l := range left {
					pid, _ := strconv.Atoi(strings.Fields(l)[0])
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			if conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second); err == nil {
				conn.Close()
				// A connection to a local port no one listens on can
				// connect to itself when the kernel picks that very port
				// as its source (TCP's simultaneous open).
				if conn.LocalAddr().String() == conn.RemoteAddr().String() {
					return
				}
				// Tests running beside this one pick free ports too: the
				// port may be another's by now. Only a process that
				// inherited conclab's environment is a leftover.
				who, _ := exec.Command("ss", "-ltnpH", fmt.Sprintf("sport = :%d", port)).CombinedOutput()
				ours := false
				for _, m := range regexp.MustCompile(`pid=(\d+)`).FindAllStringSubmatch(string(who), -1) {
					env, _ := os.ReadFile("/proc/" + m[1] + "/environ")
					ours = ours || bytes.Contains(env, []byte(marker))
				}
				switch {
				case ours:
					t.Errorf("port %d still accepts after kill -9 of conclab; ss says:\n%s", port, who)
				case len(who) == 0 && stillListening(port):
					// No listener that ss names, yet the port keeps
					// accepting: a socket left behind by no process.
					t.Errorf("port %d still accepts after kill -9 of conclab, and ss names no listener", port)
				case len(who) == 0:
					// Another test's server took the port for a moment
					// and has closed it since (this test's processes were
					// all gone before the dial).
					t.Logf("port %d accepted once, then no more: another test's server, gone by the time ss looked", port)
				default:
					t.Logf("port %d was taken again by another process: %s", port, who)
				}
			}
		})
	}
}

// stillListening says whether 127.0.0.1:port accepts connections over
// the next second (three dials 0.5 s apart, none to itself).
func stillListening(port int) bool {
	for i := range 3 {
		if i > 0 {
			time.Sleep(500 * time.Millisecond)
		}
		conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
		if err != nil {
			return false
		}
		self := conn.LocalAddr().String() == conn.RemoteAddr().String()
		conn.Close()
		if self {
			return false
		}
	}
	return true
}

// proc is a process as /proc/PID/stat shows it.
type proc struct {
	pid, ppid, pgid int
	state           string
	cmdline         string
}

// procs lists the processes of this machine.
func procs() []proc {
	entries, _ := os.ReadDir("/proc")
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp …; comm may hold spaces and ")".
		s := string(data)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 3 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		pgid, _ := strconv.Atoi(f[2])
		cl, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		out = append(out, proc{pid, ppid, pgid, f[0], strings.ReplaceAll(string(cl), "\x00", " ")})
	}
	return out
}

// waitListening waits until a descendant of pid listens on a TCP port of
// 127.0.0.1; it returns the process groups of pid's descendants and the
// port, 0 if none listened in time.
func waitListening(t *testing.T, pid int, within time.Duration) (groups map[int]bool, port int) {
	t.Helper()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		all := procs()
		below := map[int]bool{pid: true}
		for grew := true; grew; {
			grew = false
			for _, p := range all {
				if below[p.ppid] && !below[p.pid] {
					below[p.pid], grew = true, true
				}
			}
		}
		groups = map[int]bool{}
		inodes := map[string]bool{}
		for _, p := range all {
			if !below[p.pid] || p.pid == pid {
				continue
			}
			groups[p.pgid] = true
			fds, _ := os.ReadDir("/proc/" + strconv.Itoa(p.pid) + "/fd")
			for _, fd := range fds {
				link, err := os.Readlink("/proc/" + strconv.Itoa(p.pid) + "/fd/" + fd.Name())
				if err == nil && strings.HasPrefix(link, "socket:[") {
					inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
				}
			}
		}
		if port = listeningPort(inodes); port != 0 {
			return groups, port
		}
	}
	return groups, 0
}

// listeningPort is the local port of a listening TCP socket among inodes.
func listeningPort(inodes map[string]bool) int {
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n")[1:] {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
		f := strings.Fields(line)
		if len(f) < 10 || f[3] != "0A" || !inodes[f[9]] {
			continue
		}
		_, hexPort, _ := strings.Cut(f[1], ":")
		if p, err := strconv.ParseUint(hexPort, 16, 16); err == nil {
			return int(p)
		}
	}
	return 0
}

// inGroups lists the processes, zombies aside, of the given groups.
func inGroups(groups map[int]bool) []string {
	var left []string
	for _, p := range procs() {
		if groups[p.pgid] && p.state != "Z" {
			left = append(left, strconv.Itoa(p.pid)+" "+p.state+" "+p.cmdline)
		}
	}
	return left
}

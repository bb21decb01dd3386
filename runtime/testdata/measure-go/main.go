// Command measure-go measures the go profile's constants on this machine:
// goroutine start (CPU per go statement, amortised), pool task (a round trip
// to a worker goroutine over channels), the median overshoot of a 500 us
// time.Sleep, the memory of 100,000 parked goroutines, the start-up time of
// a fresh Go process (this binary), a line's round trip through a pipe to a
// child process, and the resident and reserved memory of an idle child.
//
// Run: go run ./runtime/testdata/measure-go
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func cpu() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func status(pid string) (rss, vm int64) {
	f, _ := os.Open("/proc/" + pid + "/status")
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			rss = n * 1024
		case "VmSize:":
			vm = n * 1024
		}
	}
	return rss, vm
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "echo" {
		in, out := bufio.NewReader(os.Stdin), bufio.NewWriter(os.Stdout)
		for {
			line, err := in.ReadString('\n')
			if err != nil {
				return
			}
			out.WriteString(line)
			out.Flush()
		}
	}
	if len(os.Args) > 1 && os.Args[1] == "idle" {
		fmt.Println("ready")
		if len(os.Args) > 2 {
			time.Sleep(time.Minute)
		}
		return
	}
	for run := 0; run < 5; run++ {
		const n = 200000
		var wg sync.WaitGroup
		t0 := cpu()
		for i := 0; i < n; i++ {
			wg.Add(1)
			go wg.Done()
		}
		wg.Wait()
		fmt.Println("goroutine_start_cpu_ns", (cpu()-t0)/n)
	}
	for run := 0; run < 5; run++ {
		const n = 200000
		tasks, done := make(chan func()), make(chan struct{})
		go func() {
			for f := range tasks {
				f()
				done <- struct{}{}
			}
		}()
		t0 := cpu()
		for i := 0; i < n; i++ {
			tasks <- func() {}
			<-done
		}
		fmt.Println("pool_task_cpu_ns", (cpu()-t0)/n)
		close(tasks)
	}
	for run := 0; run < 5; run++ {
		extra := make([]int64, 300)
		for i := range extra {
			t0 := time.Now()
			time.Sleep(500 * time.Microsecond)
			extra[i] = int64(time.Since(t0) - 500*time.Microsecond)
		}
		slices.Sort(extra)
		fmt.Println("sleep_overshoot_ns", extra[len(extra)/2])
	}
	{
		const n = 100000
		release := make(chan struct{})
		var started sync.WaitGroup
		rss0, vm0 := status("self")
		for i := 0; i < n; i++ {
			started.Add(1)
			go func() { started.Done(); <-release }()
		}
		started.Wait()
		rss1, vm1 := status("self")
		close(release)
		fmt.Println("goroutine_rss", (rss1-rss0)/n, "goroutine_virtual", (vm1-vm0)/n)
	}
	self, _ := os.Executable()
	for run := 0; run < 5; run++ {
		t0 := time.Now()
		exec.Command(self, "idle").Run()
		fmt.Println("process_start_ns", time.Since(t0).Nanoseconds())
	}
	for run := 0; run < 5; run++ {
		const n = 20000
		echo := exec.Command(self, "echo")
		w, _ := echo.StdinPipe()
		r, _ := echo.StdoutPipe()
		echo.Start()
		br := bufio.NewReader(r)
		t0 := time.Now()
		for i := 0; i < n; i++ {
			fmt.Fprintln(w, "task", i)
			br.ReadString('\n')
		}
		fmt.Println("process_task_ns", time.Since(t0).Nanoseconds()/n)
		w.Close()
		echo.Wait()
	}
	cmd := exec.Command(self, "idle", "sleep")
	out, _ := cmd.StdoutPipe()
	cmd.Start()
	bufio.NewReader(out).ReadString('\n')
	rss, vm := status(strconv.Itoa(cmd.Process.Pid))
	fmt.Println("process_rss", rss, "process_virtual", vm)
	cmd.Process.Kill()
	cmd.Wait()
}

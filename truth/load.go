package truth

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/conclab/conclab/workload"
)

// MaxRequests is the most requests Requests draws from an open workload: a
// real server is checked on a small load, and the load generator runs one
// goroutine and one connection per request.
const MaxRequests = 5000

// Request is one arrival of an open workload: its index in arrival order
// (which is also its task id, so its durations are those the simulator
// draws), the group it is built from, when it is sent and its steps.
type Request struct {
	ID    int
	Group int
	At    int64 // nanoseconds after the load starts
	Steps []Step
}

// Requests draws the arrivals of the open workload wl as the simulator
// does, from the one schedule both use (wl.Schedule: times and groups),
// then request i's durations from
// workload.NewRand(wl.Seed, i). It stops at the workload's count or at the
// end of its window; more than max requests (at most MaxRequests) is an
// error, so that the caller says the load is too big rather than checking
// a cut one.
func Requests(wl *workload.Workload, max int) ([]Request, error) {
	a := wl.Arrivals
	if a == nil {
		return nil, fmt.Errorf("workload %s: not an open workload (no arrivals)", wl.Name)
	}
	if err := unexportable(wl); err != nil {
		return nil, err
	}
	if max <= 0 || max > MaxRequests {
		max = MaxRequests
	}
	if !(a.Rate > 0) {
		return nil, fmt.Errorf("workload %s: arrival rate %v", wl.Name, a.Rate)
	}
	sched := wl.Schedule()
	var reqs []Request
	steps := 0
	for n := 0; ; n++ {
		t, g, ok := sched.Next()
		if !ok {
			break
		}
		if n >= max {
			return nil, fmt.Errorf("workload %s: more than %d requests; check a real server on a smaller load (a lower rate, a shorter for: or a count:)", wl.Name, max)
		}
		at := int64(math.Round(t))
		r := Request{ID: n, Group: g, At: at}
		trng := workload.NewRand(wl.Seed, uint64(n))
		x := expander{seed: wl.Seed, rng: &trng, key: uint64(n), total: &steps}
		if err := x.expand(&r.Steps, wl.Groups[g].Steps); err != nil {
			return nil, fmt.Errorf("workload %s: %w", wl.Name, err)
		}
		reqs = append(reqs, r)
	}
	return reqs, nil
}

// LoadResult is what the load generator measured. Latencies run from the
// moment each request is sent (its connection dialled, so time spent
// waiting to be accepted counts) to the end of its response. They do not
// run from its scheduled time: the generator's own timers fire late (Go's
// by about 0.6 ms here, as every runtime's sleeps overshoot on this
// machine), which no server caused; that lateness is SendLate.
type LoadResult struct {
	Sent      int
	OK        int     // 200 responses read to the end
	Errors    int     // refused, reset, timed out or not 200
	FirstErr  string  // the first error, for the message
	Latencies []int64 // of the OK requests, ascending
	P50, P99  int64
	Max       int64
	Mean      int64
	// Throughput is OK requests per second of the arrival window (the
	// workload's for:, or the last send time for count:), as the simulator
	// counts the rate served when a run keeps up; Rate is OK requests per
	// second from the first send time to the last response, as it counts
	// the rate served when a run is overloaded (CheckOpen then judges
	// Rate, and puts it in Throughput).
	Throughput float64
	Rate       float64
	Duration   int64 // from the load's start to the last response
	SendLate   int64 // the median time a request was sent after its scheduled time
}

// LoadOptions bound a load.
type LoadOptions struct {
	Window  int64         // the arrival window for Throughput; 0: the last send time
	Timeout time.Duration // per request, from its send time; 0: 30s
	Path    func(Request) string
}

// Drive sends reqs to the HTTP server at addr (which must be a loopback
// address) open-loop: each at its time after the start, on a connection of
// its own (Connection: close), whether or not earlier ones have been
// answered. It returns once every request has been answered or has timed
// out, or when ctx ends.
func Drive(ctx context.Context, addr string, reqs []Request, opt LoadOptions) (*LoadResult, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("load: %s is not a loopback address; conclab only loads servers on this machine", addr)
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	if opt.Path == nil {
		opt.Path = func(r Request) string { return "/r/" + strconv.Itoa(r.ID) }
	}
	lat := make([]int64, len(reqs))
	late := make([]int64, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	start := time.Now()
	for i, r := range reqs {
		due := start.Add(time.Duration(r.At))
		if d := time.Until(due); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				wg.Wait()
				return nil, ctx.Err()
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent := time.Now()
			late[i] = int64(sent.Sub(due))
			errs[i] = get(ctx, addr, opt.Path(r), sent.Add(opt.Timeout))
			lat[i] = int64(time.Since(sent))
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	end := time.Since(start)
	res := &LoadResult{Sent: len(reqs), Duration: int64(end)}
	var sum float64
	for i := range reqs {
		if errs[i] != nil {
			res.Errors++
			if res.FirstErr == "" {
				res.FirstErr = fmt.Sprintf("request %d: %v", reqs[i].ID, errs[i])
			}
			continue
		}
		res.OK++
		res.Latencies = append(res.Latencies, lat[i])
		sum += float64(lat[i])
	}
	slices.Sort(res.Latencies)
	slices.Sort(late)
	if len(late) > 0 {
		res.SendLate = Percentile(late, 0.50)
	}
	if n := len(res.Latencies); n > 0 {
		res.P50 = Percentile(res.Latencies, 0.50)
		res.P99 = Percentile(res.Latencies, 0.99)
		res.Max = res.Latencies[n-1]
		res.Mean = int64(sum / float64(n))
	}
	window := opt.Window
	if window <= 0 && len(reqs) > 0 {
		window = reqs[len(reqs)-1].At
	}
	if window <= 0 {
		window = int64(end)
	}
	res.Throughput = float64(res.OK) / (float64(window) / 1e9)
	if len(reqs) > 0 && int64(end) > reqs[0].At {
		res.Rate = float64(res.OK) / (float64(int64(end)-reqs[0].At) / 1e9)
	}
	return res, nil
}

// Percentile returns the q-quantile (0 ≤ q ≤ 1) of sorted durations, the
// nearest rank: the smallest value with at least q of them at or below it.
func Percentile(sorted []int64, q float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// get sends one GET on a connection of its own and reads the response to
// its end; an answer other than 200 is an error.
func get(ctx context.Context, addr, path string, deadline time.Time) error {
	d := net.Dialer{Deadline: deadline}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return fmt.Errorf("reading the response: %w", err)
	}
	defer resp.Body.Close()
	// The body by its Content-Length (or to the connection's end): a
	// server's forked helpers may hold the connection open after the
	// server closed it.
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("reading the response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

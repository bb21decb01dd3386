package sim

// result assembles what the run measured.
func (e *engine) result() *Result {
	// Close the spans still open at the end, so renderers see every lane
	// up to the makespan.
	if e.sink != nil {
		for _, th := range e.threads {
			e.setLane(th, numStates)
		}
	}
	r := &Result{
		Model:            e.dep.String(),
		Deployment:       e.dep,
		Runtime:          e.prof.Name,
		GIL:              e.gil,
		ExecWorkers:      e.prof.ExecWorkers,
		MainModule:       e.mainModule,
		UpFront:          e.upFront && e.peakProc > 1,
		Cores:            e.cpu.cores,
		Makespan:         e.end,
		Tasks:            e.done,
		Latency:          e.lat.stats(),
		QueueDelay:       e.queue.stats(),
		CPUBusy:          e.cpu.busy,
		GILWait:          e.gilWait,
		GILSwitches:      e.switches,
		ResourceWait:     e.resWait,
		Resources:        e.resourceStats(e.now),
		Deadlock:         e.dead,
		LoopStallMax:     e.stallMax,
		SlowCallbacks:    e.slowCB,
		PeakThreads:      e.peakThr,
		PeakTasks:        e.peakTasks,
		PeakProcesses:    e.peakProc,
		ForkserverAt:     e.serverAt,
		ForkserverBoot:   e.serverBoot,
		NetpollSleeps:    e.polled,
		NetpollLate:      e.polledLate,
		PeakMemoryBytes:  e.peakRSS,
		PeakVirtualBytes: e.peakVirt,
		Lanes:            e.lanes,
		Records:          e.records,
	}
	if e.end > 0 {
		// Tasks per second of the run; for an open workload, the rate
		// served (Result.Served), which compares with the rate offered.
		r.Throughput = float64(e.done) / (float64(e.end) / 1e9)
		if a := e.wl.Arrivals; a != nil {
			window := a.For
			if a.Count > 0 {
				window = e.lastRelease
			}
			if window <= 0 {
				window = e.end
			}
			r.Backlog = e.backlog[1]
			r.Overloaded = e.overloaded() && e.dead == nil // a deadlock, not load, kept tasks waiting
			r.Arrived = e.released
			r.Offered = float64(e.released) / (float64(window) / 1e9)
			took := window
			if r.Overloaded {
				took = max(window, e.end)
			}
			r.Served = float64(e.done) / (float64(took) / 1e9)
			r.Throughput = r.Served
		}
		r.CPUUtilization = float64(e.cpu.busy) / (float64(e.cpu.cores) * float64(e.end))
		r.MeanTasks = e.taskArea / float64(e.end)
	}
	return r
}

// window is the arrival window of an open workload: its `for`, or the time
// its count takes at the mean rate; 0 for a batch.
func (e *engine) window() int64 {
	a := e.wl.Arrivals
	if a == nil {
		return 0
	}
	if a.Count > 0 {
		return int64(float64(a.Count) / a.Rate * 1e9)
	}
	return a.For
}

// overloaded says whether the queue grew without bound during the arrival
// window: in a stable system the tasks in flight hover around λ·W, so the
// second half of the window adds little to them; in an overloaded one they
// grow by (λ − capacity) × time. More than a twentieth of the second half's
// arrivals still in flight, beyond those in flight mid-window, is growth:
// the system keeps up with less than 95 % of what arrives.
func (e *engine) overloaded() bool {
	w := e.window()
	if w <= 0 {
		return false
	}
	arrivedLate := e.wl.Arrivals.Rate * float64(w) / 2e9
	grew := float64(e.backlog[1] - e.backlog[0])
	return grew > max(5, 0.05*arrivedLate)
}

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
		Runtime:          e.prof.Name,
		Cores:            e.cpu.cores,
		Makespan:         e.end,
		Tasks:            e.done,
		Latency:          e.lat.stats(),
		QueueDelay:       e.queue.stats(),
		CPUBusy:          e.cpu.busy,
		GILWait:          e.gilWait,
		GILSwitches:      e.switches,
		LoopStallMax:     e.stallMax,
		SlowCallbacks:    e.slowCB,
		PeakThreads:      e.peakThr,
		PeakTasks:        e.peakTasks,
		PeakProcesses:    e.peakProc,
		PeakMemoryBytes:  e.peakRSS,
		PeakVirtualBytes: e.peakVirt,
		Lanes:            e.lanes,
		Records:          e.records,
	}
	if e.end > 0 {
		// Tasks per second of the run; for an open workload, per second of
		// the arrival window, so that it compares with the arrival rate.
		window := e.end
		if a := e.wl.Arrivals; a != nil {
			window = a.For
			if a.Count > 0 {
				window = e.lastRelease
			}
			if window <= 0 {
				window = e.end
			}
		}
		r.Throughput = float64(e.done) / (float64(window) / 1e9)
		r.CPUUtilization = float64(e.cpu.busy) / (float64(e.cpu.cores) * float64(e.end))
		r.MeanTasks = e.taskArea / float64(e.end)
	}
	return r
}

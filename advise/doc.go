// Package advise answers the capacity questions behind conclab's sweep and
// advise commands by simulating many deployments of one workload. A sweep
// runs one model over a range of pool sizes (threads(1..64)) or one open
// workload over a range of arrival rates, finds the knee and renders a
// table, a JSON document and an SVG or HTML plot. Advise simulates the
// sensible candidates (sync, thread pools, processes, asyncio with and
// without offloading blocking waits, and the composites), drops those that
// break the constraints or are overloaded, ranks the rest, and explains the
// choice with reasons quantified from the workload and the simulation.
//
// Every simulation is an independent sim.Run; they run in parallel on a
// pool of goroutines and their results are placed by index, so parallelism
// never changes an answer.
package advise

package traces

import (
	"bytes"
	"runtime"
	"testing"
)

// BenchmarkImportMillion: 1 M spans (357,000 requests of three routes,
// OTLP/JSON lines, 250 MB) read, turned into requests and written as a
// workload. Reports the spans per second and the heap live once they are
// read (beyond the input's bytes, which a file would not hold).
//
//	go test ./traces -run '^$' -bench ImportMillion -benchtime 3x
func BenchmarkImportMillion(b *testing.B) {
	routes := []*route{
		{name: "/items", share: 0.6, work: [2]float64{4, 2}, calls: [][]float64{{20}}, spread: 0.3},
		{name: "/search", share: 0.3, work: [2]float64{8, 3}, calls: [][]float64{{30, 12, 18}, {5}}, spread: 0.2},
		{name: "/health", share: 0.1, work: [2]float64{0.5, 0.2}, spread: 0.1},
	}
	data, _ := generate(routes, 357_000, 500, "poisson", 1)
	b.SetBytes(int64(len(data)))
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	var spans int
	var peak uint64
	for range b.N {
		rd := NewReader(Options{})
		if err := rd.Read(bytes.NewReader(data), "gen"); err != nil {
			b.Fatal(err)
		}
		spans = rd.Spans()
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc-min(ms.HeapAlloc, before.HeapAlloc))
		b.StartTimer()
		if _, _, err := Write(rd.Finish(), WriteOptions{Name: "gen"}, rd.Problems); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(spans)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
	b.ReportMetric(float64(peak)/(1<<20), "live-MB")
}

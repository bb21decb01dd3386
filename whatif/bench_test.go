package whatif

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkThousandTasks: the size, 1,000 tasks of 20 steps (ten
// work, ten wait) under threads(8), every change at the default
// speed-ups (four each, and the work as C code): 90 simulations and the
// baseline.
//
//	go test ./whatif -run '^$' -bench Thousand -benchtime 3x
func BenchmarkThousandTasks(b *testing.B) {
	steps := strings.Repeat("work exp(200us), wait exp(2ms), ", 10)
	p := planOf(b, "1000 x ["+strings.TrimSuffix(steps, ", ")+"]")
	d := deployment(b, "threads(8)")
	b.ResetTimer()
	for range b.N {
		r, err := Run(context.Background(), p, d, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Effects) != 90 {
			b.Fatalf("%d changes", len(r.Effects))
		}
	}
}

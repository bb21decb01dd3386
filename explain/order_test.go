package explain

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTimeOrder checks the radix sort against a comparison sort on events
// of several shapes: times close together or far apart, many ties, negative
// tasks and lanes, and one or no events.
func TestTimeOrder(t *testing.T) {
	tests := []struct {
		name        string
		n           int
		times       int64 // times are drawn from [0, times)
		tasks, lane int32
		base        int64
	}{
		{"none", 0, 1, 1, 1, 0},
		{"one", 1, 1, 1, 1, 0},
		{"all ties", 500, 1, 3, 2, 0},
		{"few times", 2000, 5, 40, 6, 0},
		{"spread", 3000, 10_000_000_000, 1000, 50, 0},
		{"offset", 1000, 1 << 20, 10, 3, 1 << 40},
		{"negative times", 1000, 1 << 30, 10, 3, -1 << 29},
		{"huge range", 1000, math.MaxInt64 / 2, 10, 3, math.MinInt64 / 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(tc.n)))
			evs := make([]event, tc.n)
			for i := range evs {
				evs[i] = event{
					at:   tc.base + r.Int64N(tc.times),
					kind: kind(r.IntN(int(kGILTurns) + 1)),
					task: r.Int32N(tc.tasks+1) - 1,
					lane: r.Int32N(tc.lane+1) - 1,
				}
			}
			want := make([]uint32, len(evs))
			for i := range want {
				want[i] = uint32(i)
			}
			slices.SortStableFunc(want, func(a, b uint32) int {
				x, y := &evs[a], &evs[b]
				return cmp.Or(cmp.Compare(x.at, y.at), cmp.Compare(x.kind, y.kind),
					cmp.Compare(x.task, y.task), cmp.Compare(x.lane, y.lane))
			})
			got := timeOrder(evs)
			if len(got) != len(want) {
				t.Fatalf("%d indices, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("position %d: event %d (%+v), want event %d (%+v)", i, got[i], evs[got[i]], want[i], evs[want[i]])
				}
			}
		})
	}
}

// TestGallop checks that gallop finds what bisect finds from any hint.
func TestGallop(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 64, 1000} {
		for first := 0; first <= n; first += max(1, n/17) {
			f := func(k int) bool {
				if k < 0 || k >= n {
					t.Fatalf("n=%d: f(%d) asked", n, k)
				}
				return k >= first
			}
			if got := bisect(n, f); got != first {
				t.Fatalf("bisect(%d) with first %d = %d", n, first, got)
			}
			for hint := -2; hint <= n+2; hint++ {
				if got := gallop(n, hint, f); got != first {
					t.Fatalf("gallop(%d, hint %d) with first %d = %d", n, hint, first, got)
				}
			}
		}
	}
}

// TestDistinct checks distinct against sorting and compacting, for IDs
// that are few, many in a narrow range, and many in a wide one.
func TestDistinct(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 3))
	for _, tc := range []struct {
		n     int
		width int32
	}{{0, 1}, {5, 3}, {63, 1000}, {64, 10}, {1000, 100}, {1000, 5000}, {1000, 1 << 30}, {10_000, 10_000}} {
		ids := make([]int32, tc.n)
		for i := range ids {
			ids[i] = 7 + r.Int32N(tc.width)
		}
		want := slices.Clone(ids)
		slices.Sort(want)
		want = slices.Compact(want)
		if got := distinct(ids); !slices.Equal(got, want) {
			t.Errorf("%d IDs below %d: distinct gives %d IDs, want %d", tc.n, tc.width, len(got), len(want))
		}
	}
}

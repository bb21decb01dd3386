package workload

import (
	"math"
	"testing"
)

func TestSampleMeans(t *testing.T) {
	const n = 200_000
	tests := []struct {
		d    Dist
		mean float64 // the target; 0 means d.Mean()
		sd   float64 // the target standard deviation, or 0 to skip
	}{
		{d: Dist{Exp, 50e6, 0}, mean: 50e6, sd: 50e6},
		{d: Dist{Uniform, 10e6, 30e6}, mean: 20e6, sd: 20e6 / math.Sqrt(12)},
		{d: Dist{Normal, 50e6, 10e6}, mean: 50e6, sd: 10e6},
		{d: Dist{LogNormal, 50e6, 20e6}, mean: 50e6, sd: 20e6},
		{d: Dist{LogNormal, 1e6, 3e6}, mean: 1e6},
		{d: Dist{Normal, 10e6, 20e6}}, // heavily clamped: compare with Mean()
		{d: Dist{Fixed, 7, 0}, mean: 7, sd: 0},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			want := tt.mean
			if want == 0 {
				want = float64(tt.d.Mean())
			}
			if tt.mean != 0 && math.Abs(float64(tt.d.Mean())-tt.mean) > 1 {
				t.Errorf("Mean() = %d, want %.0f", tt.d.Mean(), tt.mean)
			}
			r := NewRand(1, 0)
			var sum, sum2 float64
			for range n {
				x := tt.d.Sample(&r)
				if x < 0 {
					t.Fatalf("Sample = %d < 0", x)
				}
				if tt.d.Kind == Uniform && (x < tt.d.A || x > tt.d.B) {
					t.Fatalf("Sample = %d outside [%d, %d]", x, tt.d.A, tt.d.B)
				}
				f := float64(x)
				sum += f
				sum2 += f * f
			}
			mean := sum / n
			if rel := math.Abs(mean-want) / want; rel > 0.03 {
				t.Errorf("mean of %d samples = %.0f, want %.0f (off by %.1f%%)", n, mean, want, 100*rel)
			}
			if tt.sd > 0 {
				sd := math.Sqrt(sum2/n - mean*mean)
				if rel := math.Abs(sd-tt.sd) / tt.sd; rel > 0.05 {
					t.Errorf("standard deviation = %.0f, want %.0f", sd, tt.sd)
				}
			}
		})
	}
}

func TestSampleFixedIgnoresRand(t *testing.T) {
	if got := (Dist{Kind: Fixed, A: 5}).Sample(nil); got != 5 {
		t.Errorf("Fixed.Sample(nil) = %d, want 5", got)
	}
	if got := (Dist{Kind: Uniform, A: 5, B: 5}).Sample(nil); got != 5 {
		t.Errorf("uniform(5ns, 5ns).Sample(nil) = %d, want 5", got)
	}
}

func TestRandDeterministic(t *testing.T) {
	seq := func(seed, stream uint64) [8]uint64 {
		r := NewRand(seed, stream)
		var out [8]uint64
		for i := range out {
			out[i] = r.Uint64()
		}
		return out
	}
	if a, b := seq(1, 0), seq(1, 0); a != b {
		t.Error("same seed and stream gave different sequences")
	}
	seen := map[uint64]string{}
	for seed := uint64(0); seed < 20; seed++ {
		for stream := uint64(0); stream < 200; stream++ {
			s := seq(seed, stream)
			for _, v := range s {
				if prev, dup := seen[v]; dup {
					t.Fatalf("seed %d stream %d repeats a value of %s", seed, stream, prev)
				}
				seen[v] = sprintf("seed %d stream %d", seed, stream)
			}
		}
	}
	// A copy continues the same sequence: Rand is a value.
	r := NewRand(3, 4)
	r.Uint64()
	c := r
	if r.Uint64() != c.Uint64() {
		t.Error("a copied Rand diverged")
	}
}

func TestRandFloat64Range(t *testing.T) {
	r := NewRand(9, 9)
	var sum float64
	const n = 100_000
	for range n {
		f := r.Float64()
		if f < 0 || f >= 1 {
			t.Fatalf("Float64 = %v outside [0, 1)", f)
		}
		sum += f
	}
	if m := sum / n; math.Abs(m-0.5) > 0.01 {
		t.Errorf("mean of Float64 = %v, want 0.5", m)
	}
}

func TestSampleAllocs(t *testing.T) {
	r := NewRand(1, 1)
	d := Dist{Kind: LogNormal, A: 50e6, B: 20e6}
	if n := testing.AllocsPerRun(100, func() { d.Sample(&r) }); n != 0 {
		t.Errorf("Sample allocates %v times", n)
	}
}

func TestDistString(t *testing.T) {
	tests := []struct {
		d    Dist
		want string
	}{
		{Dist{Fixed, 2e9, 0}, "2s"},
		{Dist{Fixed, 0, 0}, "0s"},
		{Dist{Fixed, 1_500_000, 0}, "1.5ms"},
		{Dist{Fixed, 1_000_000_001, 0}, "1.000000001s"},
		{Dist{Exp, 50e6, 0}, "exp(50ms)"},
		{Dist{Uniform, 10e6, 30e6}, "uniform(10ms, 30ms)"},
		{Dist{Normal, 50e6, 10e6}, "normal(50ms, 10ms)"},
		{Dist{LogNormal, 50e6, 20e6}, "lognormal(50ms, 20ms)"},
		{Dist{Fixed, 250e3, 0}, "250us"},
		{Dist{Fixed, 90e9, 0}, "90s"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		back, _, msg := parseDist(tt.want)
		if msg != "" || back != tt.d {
			t.Errorf("parseDist(%q) = %v, %q; want %v", tt.want, back, msg, tt.d)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		ns   int64
		want string
	}{
		{0, "0s"},
		{1, "1ns"},
		{999, "999ns"},
		{1000, "1us"},
		{250_000, "250us"},
		{1_500_000, "1.5ms"},
		{2e9, "2s"},
		{2_000_575_000, "2.001s"},
		{6_000_123_456, "6s"},
		{999_999_999, "1s"},
		{999_999, "999.999us"}, {9_999_996, "10ms"},
		{1_234_567, "1.235ms"},
		{1002e9, "1002s"},
		{-1_500_000, "-1.5ms"},
		{math.MaxInt64, "9223372036.854s"},
		{math.MinInt64, "-9223372036.854s"},
	}
	for _, tt := range tests {
		if got := FormatDuration(tt.ns); got != tt.want {
			t.Errorf("FormatDuration(%d) = %q, want %q", tt.ns, got, tt.want)
		}
	}
}

func BenchmarkSample(b *testing.B) {
	for _, d := range []Dist{{Kind: Fixed, A: 1e6}, {Kind: Exp, A: 1e6}, {Kind: Uniform, A: 1e6, B: 2e6}, {Kind: LogNormal, A: 1e6, B: 5e5}} {
		b.Run(d.String(), func(b *testing.B) {
			r := NewRand(1, 2)
			var s int64
			for b.Loop() {
				s += d.Sample(&r)
			}
			_ = s
		})
	}
}

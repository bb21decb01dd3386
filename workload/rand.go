package workload

import "math"

// Rand is a small deterministic random number generator (SplitMix64). It
// is a value: copy it to fork a sequence, keep one per task to make each
// task's draws independent of how the engine interleaves tasks.
type Rand struct {
	state uint64
}

const golden = 0x9e3779b97f4a7c15

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// NewRand returns the generator for stream (conventionally the task index)
// under seed. Different (seed, stream) pairs start at unrelated points of
// the sequence, so their draws are independent for all practical purposes.
func NewRand(seed, stream uint64) Rand {
	return Rand{state: mix64(seed*golden+0x632be59bd9b4e019) ^ mix64(stream+golden)}
}

// ChildStream returns the stream of the n-th task (0-based) that the task
// of stream parent creates with gather: every copy of every branch, in the
// order the gathers create them. A task's own draws come from its stream
// in the order of its steps, so they depend neither on how the engine
// interleaves tasks nor on which model runs them; the streams of its
// children are derived the same way, whatever order they run in.
func ChildStream(parent, n uint64) uint64 {
	return mix64(parent^0x5851f42d4c957f2d) ^ mix64(n+0x14057b7ef767814f)
}

// Uint64 returns the next 64 random bits.
func (r *Rand) Uint64() uint64 {
	r.state += golden
	return mix64(r.state)
}

// Pick draws one of len(cum) alternatives whose weights have the running
// sums cum (ascending, the last > 0) and returns its index: the first
// whose running sum exceeds a uniform draw in [0, cum[len(cum)-1]). It is
// how a choose takes its alternative, in the engine and in an exported
// program's data alike.
func (r *Rand) Pick(cum []float64) int {
	u := r.Float64() * cum[len(cum)-1]
	for i, w := range cum {
		if u < w {
			return i
		}
	}
	return len(cum) - 1
}

// Float64 returns a number in [0, 1) with 53 random bits.
func (r *Rand) Float64() float64 {
	return float64(r.Uint64()>>11) * (1.0 / (1 << 53))
}

// normal returns a standard normal draw (Box–Muller; one of the pair).
func (r *Rand) normal() float64 {
	u1 := 1 - r.Float64() // (0, 1]: the log is finite
	u2 := r.Float64()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// Sample draws one duration in nanoseconds, rounded to an integer and never
// negative. A Fixed Dist returns A without touching r (r may be nil then).
func (d Dist) Sample(r *Rand) int64 {
	var x float64
	switch d.Kind {
	case Fixed:
		return d.A
	case Exp:
		x = -float64(d.A) * math.Log(1-r.Float64())
	case Uniform:
		if d.A == d.B {
			return d.A
		}
		// Integer arithmetic keeps the bounds exact: A ≤ x ≤ B.
		return d.A + int64(r.Uint64()%uint64(d.B-d.A+1))
	case Normal:
		x = float64(d.A) + float64(d.B)*r.normal()
	case LogNormal:
		m, s := float64(d.A), float64(d.B)
		sigma2 := math.Log1p((s / m) * (s / m))
		mu := math.Log(m) - sigma2/2
		x = math.Exp(mu + math.Sqrt(sigma2)*r.normal())
	default:
		return d.A
	}
	switch {
	case !(x > 0): // also NaN
		return 0
	case x >= float64(maxSample):
		return maxSample
	}
	return int64(math.Round(x))
}

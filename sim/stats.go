package sim

import (
	"math"
	"math/bits"
	"slices"
)

// exactLimit is how many samples a collector keeps exactly; beyond it,
// samples go into a log-linear histogram with a relative error below 0.1 %,
// so memory stays bounded whatever the task count.
const exactLimit = 1 << 16

// subBits sets the histogram's precision: 2^subBits buckets per power of two.
const subBits = 10

// collector gathers durations (ns) for mean, max and percentiles.
type collector struct {
	n     int64
	sum   float64
	max   int64
	exact []int64
	hist  []int64 // nil until the exact list overflows
}

func (c *collector) add(v int64) {
	if v < 0 {
		v = 0
	}
	c.n++
	c.sum += float64(v)
	if v > c.max {
		c.max = v
	}
	if c.hist == nil {
		if len(c.exact) < exactLimit {
			c.exact = append(c.exact, v)
			return
		}
		c.hist = make([]int64, 64<<subBits)
		for _, x := range c.exact {
			c.hist[bucket(x)]++
		}
		c.exact = nil
	}
	c.hist[bucket(v)]++
}

// bucket maps v to a histogram bucket: exact below 2^subBits, then 2^subBits
// linear buckets per power of two.
func bucket(v int64) int {
	u := uint64(v)
	if u < 1<<subBits {
		return int(u)
	}
	exp := bits.Len64(u) - 1 - subBits // ≥ 0
	sub := int(u>>uint(exp)) - (1 << subBits)
	return (exp+1)<<subBits + sub
}

// bucketMid is the value a bucket stands for (its midpoint).
func bucketMid(b int) int64 {
	if b < 1<<subBits {
		return int64(b)
	}
	exp := b>>subBits - 1
	sub := b & (1<<subBits - 1)
	lo := uint64(1<<subBits+sub) << uint(exp)
	return int64(lo + (uint64(1)<<uint(exp))/2)
}

func (c *collector) stats() Stats {
	if c.n == 0 {
		return Stats{}
	}
	s := Stats{Mean: int64(math.Round(c.sum / float64(c.n))), Max: c.max}
	if c.hist == nil {
		v := slices.Clone(c.exact)
		slices.Sort(v)
		q := func(p float64) int64 {
			// Nearest rank: the smallest value with at least p of the samples at or below it.
			i := int(math.Ceil(p*float64(len(v)))) - 1
			if i < 0 {
				i = 0
			}
			return v[i]
		}
		s.P50, s.P95, s.P99 = q(0.50), q(0.95), q(0.99)
		return s
	}
	q := func(p float64) int64 {
		rank := int64(math.Ceil(p * float64(c.n)))
		if rank < 1 {
			rank = 1
		}
		var seen int64
		for b, k := range c.hist {
			seen += k
			if seen >= rank {
				v := bucketMid(b)
				if v > c.max {
					v = c.max
				}
				return v
			}
		}
		return c.max
	}
	s.P50, s.P95, s.P99 = q(0.50), q(0.95), q(0.99)
	return s
}

package explain

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
)

const (
	// kindBits holds any kind.
	kindBits = 4
	// digitBits is how many bits of a key one pass of the radix sort takes.
	digitBits = 11
)

// timeOrder returns the indices of evs sorted by time, then kind, task and
// lane, ties in index order. Each event gets a key: its time (less the
// earliest), kind and index in one unsigned number, and a
// least-significant-digit radix sort orders the keys by time and kind in
// a few linear passes (stable, so events of the same time and kind stay in
// index order). Those runs are then sorted by task and lane, which they
// mostly already are, as events are added task by task.
func timeOrder(evs []event) []uint32 {
	if len(evs) == 0 {
		return nil
	}
	minAt, maxAt := int64(math.MaxInt64), int64(math.MinInt64)
	for i := range evs {
		minAt, maxAt = min(minAt, evs[i].at), max(maxAt, evs[i].at)
	}
	idxBits := bits.Len(uint(len(evs) - 1))
	sortBits := bits.Len64(uint64(maxAt)-uint64(minAt)) + kindBits
	if idxBits+sortBits > 64 {
		// Times too far apart for one number: no faster path.
		order := make([]uint32, len(evs))
		for i := range order {
			order[i] = uint32(i)
		}
		slices.SortFunc(order, func(a, b uint32) int {
			x, y := &evs[a], &evs[b]
			return cmp.Or(cmp.Compare(x.at, y.at), cmp.Compare(x.kind, y.kind),
				cmp.Compare(x.task, y.task), cmp.Compare(x.lane, y.lane), cmp.Compare(a, b))
		})
		return order
	}

	keys := make([]uint64, len(evs))
	for i := range evs {
		e := &evs[i]
		keys[i] = ((uint64(e.at)-uint64(minAt))<<kindBits|uint64(e.kind))<<idxBits | uint64(i)
	}
	tmp := make([]uint64, len(keys))
	for shift := idxBits; shift < idxBits+sortBits; shift += digitBits {
		if radixPass(keys, tmp, uint(shift)) {
			keys, tmp = tmp, keys
		}
	}
	idxMask := uint64(1)<<idxBits - 1
	byActor := func(a, b uint64) int {
		x, y := &evs[a&idxMask], &evs[b&idxMask]
		return cmp.Or(cmp.Compare(x.task, y.task), cmp.Compare(x.lane, y.lane), cmp.Compare(a, b))
	}
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j]>>idxBits == keys[i]>>idxBits {
			j++
		}
		if run := keys[i:j]; len(run) > 1 && !slices.IsSortedFunc(run, byActor) {
			slices.SortFunc(run, byActor)
		}
		i = j
	}
	order := make([]uint32, len(keys))
	for i, k := range keys {
		order[i] = uint32(k & idxMask)
	}
	return order
}

// radixPass sorts src into dst stably by the digitBits bits of their
// keys from bit shift up; when all keys share that digit it does nothing
// and returns false.
func radixPass(src, dst []uint64, shift uint) bool {
	const mask = 1<<digitBits - 1
	var count [1 << digitBits]int
	for _, k := range src {
		count[k>>shift&mask]++
	}
	if count[src[0]>>shift&mask] == len(src) {
		return false
	}
	pos := 0
	for d, c := range count {
		count[d] = pos
		pos += c
	}
	for _, k := range src {
		d := k >> shift & mask
		dst[count[d]] = k
		count[d]++
	}
	return true
}

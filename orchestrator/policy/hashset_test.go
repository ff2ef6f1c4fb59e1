package policy

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestHashSetAgreesWithLists checks the set the loop rule compares line
// shapes with against plain list operations: distinct keeps each hash's
// first occurrence in order, and share is the share of a's hashes that b
// holds, for lists on both sides of smallSet, through many rounds and past
// the round counter's wrap.
func TestHashSetAgreesWithLists(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var s hashSet
	for n := range 2000 {
		if n == 1000 {
			s.round = math.MaxUint32 - 3 // the next rounds wrap
		}
		// Few values, so lists repeat and overlap; 0 and values that
		// collide in the low bits included.
		pool := 1 + r.IntN(40)
		list := func() []uint64 {
			out := make([]uint64, r.IntN(3*smallSet))
			for i := range out {
				out[i] = uint64(r.IntN(pool)) << (r.IntN(2) * 40)
			}
			return out
		}
		a, b := list(), list()
		var want []uint64
		for _, x := range a {
			if !slices.Contains(want, x) {
				want = append(want, x)
			}
		}
		got := s.distinct(slices.Clone(a))
		if !slices.Equal(got, want) {
			t.Fatalf("distinct(%v) = %v, want %v", a, got, want)
		}
		b = s.distinct(b)
		shared := 0
		for _, x := range want {
			if slices.Contains(b, x) {
				shared++
			}
		}
		wantShare := 0.0
		if len(want) > 0 {
			wantShare = float64(shared) / float64(len(want))
		}
		if got := s.share(want, b); got != wantShare {
			t.Fatalf("share(%v, %v) = %v, want %v", want, b, got, wantShare)
		}
	}
}

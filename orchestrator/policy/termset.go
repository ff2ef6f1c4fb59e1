package policy

import (
	"math"
	"math/bits"
	"slices"
	"sync"
)

// termIndex maps a term hash to the index of the first message that used
// it: an open-addressing hash table, several times faster than a map for
// the one lookup per word that stagnation makes. A slot holds both, so a
// lookup touches one cache line.
type termIndex struct {
	slots   []termSlot
	n       int
	touched uint64 // keeps the loads that warm the cache from being dropped
}

type termSlot struct {
	key   uint64 // 0 marks an empty slot; the key 0 is stored as zeroKey
	first int32  // the first message that used the term
	last  int32  // the latest message that used it, or -1 after forgetting
}

// zeroKey stands in for a term whose hash is 0, which marks empty slots.
const zeroKey = 0x9e3779b97f4a7c15

// slot returns where k is, or the empty slot where it would go.
func (t *termIndex) slot(k uint64) int {
	mask := len(t.slots) - 1
	i := int(k>>7) & mask
	for t.slots[i].key != 0 && t.slots[i].key != k {
		i = (i + 1) & mask
	}
	return i
}

// addMessage records the terms of message idx, which must follow every
// message recorded so far, and counts them: distinct is the number of
// distinct terms in ts, and fresh the number of those no earlier message
// used.
func (t *termIndex) addMessage(ts []uint64, idx int32) (fresh, distinct int) {
	for 4*(t.n+len(ts)) > 3*len(t.slots) {
		t.grow(idx)
	}
	mask := len(t.slots) - 1
	// Touch every term's home slot first: the loads do not wait on each
	// other, so a large table's cache misses overlap instead of being
	// paid one after another in the probing loop below.
	var touch uint64
	for _, k := range ts {
		touch += t.slots[int((k|zeroMark(k))>>7)&mask].key
	}
	t.touched = touch
	for _, k := range ts {
		k |= zeroMark(k)
		i := int(k>>7) & mask
		for t.slots[i].key != k && t.slots[i].key != 0 {
			i = (i + 1) & mask
		}
		switch s := &t.slots[i]; {
		case s.key == 0:
			s.key, s.first, s.last = k, idx, idx
			t.n++
			fresh++
			distinct++
		case s.last != idx: // said before; counted once in this message
			s.last = idx
			distinct++
		}
	}
	return fresh, distinct
}

// wordTable is the loop rule's table of words: for each, the last two
// messages that used it. From them a message's distinct words are counted
// as fresh (no message used them), stale (one of the last few did) and as
// shared with either of the two messages before it, in one lookup a word,
// without sorting or comparing word lists.
type wordTable struct {
	slots   []wordSlot
	n       int
	touched uint64  // keeps the loads that warm the cache from being dropped
	latest  []int32 // for each message, how many words it was the last to use
}

type wordSlot struct {
	key        uint64 // 0 marks an empty slot; the key 0 is stored as zeroKey
	last, prev int32  // the latest message that used the word, and the one before (-1: none)
}

// noMessage stands for no message in add's arguments.
const noMessage = math.MinInt32

// add records the terms ts of message idx, which must follow every message
// recorded so far, and appends each distinct one, once, to dst in the order
// they first occur. fresh counts those no earlier message used; stale those
// a message since recent used; in1 and in2 those messages k1 and k2 used,
// each of which must be idx-1, idx-2 or noMessage: a word one of them
// used is among its last two uses.
func (t *wordTable) add(dst, ts []uint64, idx, recent, k1, k2 int32) (out []uint64, fresh, stale, in1, in2 int) {
	if 4*(t.n+len(ts)) > 3*len(t.slots) {
		t.grow(t.n + len(ts))
	}
	mask := len(t.slots) - 1
	// Touch every word's home slot first: the loads do not wait on each
	// other, so a large table's cache misses overlap.
	var touch uint64
	for _, k := range ts {
		touch += t.slots[int((k|zeroMark(k))>>7)&mask].key
	}
	t.touched = touch
	for len(t.latest) <= int(idx) {
		t.latest = append(t.latest, 0)
	}
	for _, k := range ts {
		key := k | zeroMark(k)
		i := int(key>>7) & mask
		for t.slots[i].key != key && t.slots[i].key != 0 {
			i = (i + 1) & mask
		}
		switch s := &t.slots[i]; {
		case s.key == 0:
			s.key, s.last, s.prev = key, idx, -1
			t.n++
			fresh++
			t.latest[idx]++
			dst = append(dst, k)
		case s.last != idx: // said before; counted once in this message
			l, p := s.last, s.prev
			stale += b2i(l >= recent)
			in1 += b2i(l == k1 || p == k1)
			in2 += b2i(l == k2 || p == k2)
			s.last, s.prev = idx, l
			t.latest[l]--
			t.latest[idx]++
			dst = append(dst, k)
		}
	}
	return dst, fresh, stale, in1, in2
}

// minTable is the fewest slots a table of words or terms starts with. A
// conversation holds its rules' tables for as long as it runs, so they
// start small, as a conversation's first messages need, and double as it
// goes on.
const minTable = 16

// grow makes room for at least n words.
func (t *wordTable) grow(n int) {
	size := max(minTable, len(t.slots))
	for 4*n > 3*size {
		size *= 2
	}
	old := t.slots
	t.slots = make([]wordSlot, size)
	mask := size - 1
	for _, s := range old {
		if s.key != 0 {
			i := int(s.key>>7) & mask
			for t.slots[i].key != 0 {
				i = (i + 1) & mask
			}
			t.slots[i] = s
		}
	}
}

// distinctSince counts the distinct words messages from to idx used.
func (t *wordTable) distinctSince(from, idx int32) int {
	n := 0
	for _, c := range t.latest[max(from, 0) : idx+1] {
		n += int(c)
	}
	return n
}

// reset empties t, keeping its room.
func (t *wordTable) reset() {
	clear(t.slots)
	t.n = 0
	t.latest = t.latest[:0]
}

// zeroMark turns the key 0, which marks empty slots, into zeroKey.
func zeroMark(k uint64) uint64 {
	if k == 0 {
		return zeroKey
	}
	return 0
}

func (t *termIndex) grow(idx int32) {
	t.rebuild(max(minTable, 2*len(t.slots)), idx+1)
}

// rebuild moves the terms first used before message before into a table
// of size slots.
func (t *termIndex) rebuild(size int, before int32) {
	old := t.slots
	t.slots, t.n = make([]termSlot, size), 0
	for _, s := range old {
		if s.key != 0 && s.first < before {
			if s.last >= before {
				s.last = -1 // the message that used it is forgotten
			}
			t.slots[t.slot(s.key)] = s
			t.n++
		}
	}
}

// dropFrom forgets every term first used at message from or later.
func (t *termIndex) dropFrom(from int32) {
	t.rebuild(len(t.slots), from)
}

// termCache remembers the terms of the last few messages read, so the
// rules of one set that each need a message's terms (repetition and
// stagnation) split it into words once. Terms are a pure function of the
// text, so the cache never changes a result. Callers must not modify the
// slices it returns.
var termCache struct {
	mu      sync.Mutex
	next    int
	entries [8]struct {
		text  string
		terms []uint64
	}
}

// cachedTerms returns the terms of text, from the cache when it has them.
func cachedTerms(text string) []uint64 {
	termCache.mu.Lock()
	for _, e := range termCache.entries {
		if e.terms != nil && e.text == text {
			termCache.mu.Unlock()
			return e.terms
		}
	}
	termCache.mu.Unlock()
	ts := terms(make([]uint64, 0, len(text)/5+1), text)
	termCache.mu.Lock()
	e := &termCache.entries[termCache.next]
	e.text, e.terms = text, ts
	termCache.next = (termCache.next + 1) % len(termCache.entries)
	termCache.mu.Unlock()
	return ts
}

// hashSet is a set of hashes that empties in one step: each slot carries
// the round that filled it, so starting over moves to the next round
// instead of clearing the slots. The loop rule uses it to keep a message's
// distinct line shapes, and to count those the speaker's previous message
// had, without sorting either.
type hashSet struct {
	slots []hashSlot
	round uint32
	shift uint // 64 less the bits of a slot's index
}

type hashSlot struct {
	key   uint64
	round uint32 // the round that filled the slot; an older one marks it empty
}

// smallSet is the size up to which plain loops beat hashing.
const smallSet = 12

// start empties s and makes room for n hashes.
func (s *hashSet) start(n int) {
	if 2*n > len(s.slots) {
		size := 64
		for size < 2*n {
			size *= 2
		}
		s.slots, s.round = make([]hashSlot, size), 0
		s.shift = uint(64 - bits.TrailingZeros(uint(size)))
	}
	if s.round++; s.round == 0 {
		clear(s.slots)
		s.round = 1
	}
}

// insert adds k to s, reporting whether it was not there.
func (s *hashSet) insert(k uint64) bool {
	mask := len(s.slots) - 1
	for i := int((k * 0x9e3779b97f4a7c15) >> s.shift); ; i = (i + 1) & mask {
		sl := &s.slots[i]
		if sl.round != s.round {
			sl.key, sl.round = k, s.round
			return true
		}
		if sl.key == k {
			return false
		}
	}
}

// has reports whether k is in s.
func (s *hashSet) has(k uint64) bool {
	mask := len(s.slots) - 1
	for i := int((k * 0x9e3779b97f4a7c15) >> s.shift); ; i = (i + 1) & mask {
		sl := &s.slots[i]
		if sl.round != s.round {
			return false
		}
		if sl.key == k {
			return true
		}
	}
}

// distinct keeps the first occurrence of each of hs, in order, in place,
// and returns them.
func (s *hashSet) distinct(hs []uint64) []uint64 {
	out := hs[:0]
	if len(hs) <= smallSet {
		for _, h := range hs {
			if !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
		return out
	}
	s.start(len(hs))
	for _, h := range hs {
		if s.insert(h) {
			out = append(out, h)
		}
	}
	return out
}

// share is the share of a (distinct, in any order) that b holds.
func (s *hashSet) share(a, b []uint64) float64 {
	if len(a) == 0 {
		return 0
	}
	n := 0
	if len(b) <= smallSet {
		for _, x := range a {
			n += b2i(slices.Contains(b, x))
		}
	} else {
		s.start(len(b))
		for _, y := range b {
			s.insert(y)
		}
		for _, x := range a {
			n += b2i(s.has(x))
		}
	}
	return float64(n) / float64(len(a))
}

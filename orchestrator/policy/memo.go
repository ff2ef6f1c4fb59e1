package policy

import (
	"sync"

	"github.com/parleyhq/parley/transcripts"
)

// memo remembers a value computed for each message of the longest
// conversation a policy has judged, so that judging it again one message
// longer (as a live run and `parley check` do after every message) costs
// only the new message. A value for message i may depend only on messages
// 0..i, so the results are exactly those of judging from scratch.
//
// Checking that msgs still starts with the remembered messages compares
// strings, which costs one pointer comparison when they share storage, as
// they do when the same slice grows.
type memo[T any] struct {
	mu       sync.Mutex
	speakers []string
	contents []string
	vals     []T
}

// values returns one value per message of msgs, computing the missing ones
// in order with f, which receives msgs and the index to compute and may
// read vals[:i]. When msgs diverges from what was remembered, forget is
// called with the first index that changed, before anything is recomputed.
// The returned slice must not be kept past the next call.
func (m *memo[T]) values(msgs []transcripts.Message, f func(msgs []transcripts.Message, vals []T, i int) T, forget func(from int)) []T {
	keep := 0
	for keep < len(m.contents) && keep < len(msgs) &&
		m.contents[keep] == msgs[keep].Content && m.speakers[keep] == msgs[keep].Speaker {
		keep++
	}
	if keep < len(m.contents) {
		if forget != nil {
			forget(keep)
		}
		m.contents, m.speakers, m.vals = m.contents[:keep], m.speakers[:keep], m.vals[:keep]
	}
	for i := keep; i < len(msgs); i++ {
		v := f(msgs, m.vals, i)
		m.contents = append(m.contents, msgs[i].Content)
		m.speakers = append(m.speakers, msgs[i].Speaker)
		m.vals = append(m.vals, v)
	}
	return m.vals
}

package policy

import (
	"sync"
	"sync/atomic"

	"github.com/parleyhq/parley/transcripts"
)

// memo remembers the conversation a rule judged last and a value computed
// for each of its spoken messages (moderator notes, which no rule counts,
// get none), so that judging it again one message longer, as a live run
// and `parley check` do after every message, costs only the new message.
// A value for spoken message k may depend only on spoken messages 0..k, so
// the results are exactly those of judging from scratch.
//
// A conversation is known by its storage: when msgs starts at the same
// address as the conversation judged last, it is that conversation, grown
// or not, and nothing already judged is read again. This assumes that a
// message, once judged, is not modified in place; parley appends to a
// conversation and never rewrites it. When msgs lives elsewhere (an append
// moved the conversation to a larger array, or the caller passed another
// conversation) the memo compares it with what it judged, message by
// message, and keeps the values of the messages they share. That costs one
// pass over the shared part, which for a conversation grown by append
// happens only when the array doubles: amortised, O(1) a message.
//
// The memo keeps a reference to the conversation it judged, so its storage
// is not reused for another while the memo knows it by address.
//
// A nil *memo judges from scratch every time; rules written as literals
// (MaxMessages{N: 10}) have one. Parse gives every rule its own; Renew,
// and so Default, gives the rules of a set that only count spoken messages
// (a nil f) one to share, as the values then depend on the messages alone.
type memo[T any] struct {
	mu     sync.Mutex
	held   []transcripts.Message // the longest conversation judged since it last diverged
	upTo   []int32               // upTo[i]: spoken messages among held[:i+1]
	spoken []int32               // the index in held of each spoken message
	vals   []T                   // one per spoken message, computed in order
}

// messageVisits counts the messages and per-message values the rules read,
// so a test can show that checking a conversation after every message is
// linear in its length.
var messageVisits atomic.Int64

func visit(n int) {
	if n > 0 {
		messageVisits.Add(int64(n))
	}
}

// orFresh returns m, or a new memo when m is nil.
func (m *memo[T]) orFresh() *memo[T] {
	if m == nil {
		return new(memo[T])
	}
	return m
}

// values returns one value for each spoken message of msgs, oldest first,
// and each one's index in msgs. It computes the missing values in order
// with f, which receives the message and the values of the spoken messages
// before it (so its spoken index is len(prev)); f nil gives zero values.
// When msgs diverges from what was judged, forget is called with the
// spoken index of the first value that is no longer valid, before
// anything is recomputed. The caller must hold m.mu, and must not keep the
// returned slices past unlocking it.
func (m *memo[T]) values(msgs []transcripts.Message, f func(msg *transcripts.Message, prev []T) T, forget func(from int)) (vals []T, idx []int32) {
	n, h := len(msgs), len(m.held)
	keep := 0
	switch {
	case n == 0 || h == 0:
	case &msgs[0] == &m.held[0]:
		keep = min(n, h)
	default:
		for lim := min(n, h); keep < lim && sameMessage(&msgs[keep], &m.held[keep]); keep++ {
		}
		visit(keep + 1)
	}
	if keep == n {
		// msgs is what was judged, or the start of it.
		ns := 0
		if n > 0 {
			ns = int(m.upTo[n-1])
		}
		return m.vals[:ns], m.spoken[:ns]
	}
	ks := 0
	if keep > 0 {
		ks = int(m.upTo[keep-1])
	}
	if ks < len(m.vals) {
		if forget != nil {
			forget(ks)
		}
		m.vals = m.vals[:ks]
	}
	m.upTo, m.spoken = m.upTo[:keep], m.spoken[:ks]
	m.held = msgs
	visit(n - keep)
	for i := keep; i < n; i++ {
		if msgs[i].Origin != transcripts.OriginModerator {
			var v T
			if f != nil {
				v = f(&msgs[i], m.vals)
			}
			m.vals = append(m.vals, v)
			m.spoken = append(m.spoken, int32(i))
		}
		m.upTo = append(m.upTo, int32(len(m.spoken)))
	}
	return m.vals, m.spoken
}

// spokenCount returns how many of msgs are spoken, not moderator notes.
func (m *memo[T]) spokenCount(msgs []transcripts.Message) int {
	m = m.orFresh()
	m.mu.Lock()
	defer m.mu.Unlock()
	_, idx := m.values(msgs, nil, nil)
	return len(idx)
}

// sameMessage reports whether a and b agree in everything a rule reads.
func sameMessage(a, b *transcripts.Message) bool {
	if a.Speaker != b.Speaker || a.Content != b.Content || a.Origin != b.Origin ||
		a.Started != b.Started || a.Ended != b.Ended || a.Inherited != b.Inherited || a.Session != b.Session {
		return false
	}
	if a.Usage == b.Usage {
		return true
	}
	return a.Usage != nil && b.Usage != nil && *a.Usage == *b.Usage
}

package analysis

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"path/filepath"
	"testing"

	"github.com/parleyhq/parley/orchestrator/policy"
)

// pinnedCorpusDigest is the digest of every loop signal of every message of
// the labelled corpus (policy.LoopSignals, what `parley train` fits the
// model on) and of where and why the default set stops each conversation.
// The loop model is fitted on these exact values, so making the rules
// faster must not move one of them. Change it only when a signal or rule
// is meant to change, and retrain the model (loopmodel.json) then.
const pinnedCorpusDigest = "301e3575448ffdd0b5532e34c65e396ba23e74d062458192da2bcea269c5bb9c"

// corpusDigest hashes, for each transcript of both corpus folders in the
// order Gather finds them, its name, the bits of each signal of each
// message, and the default set's stop: where, which rule and why.
func corpusDigest(t *testing.T) (string, int) {
	files, err := Gather([]string{filepath.Join(corpusDir, "attractors"), filepath.Join(corpusDir, "backrooms")})
	if err != nil {
		t.Fatal(err)
	}
	type one struct {
		name string
		xs   [][]float64
		st   Stop
	}
	h, n := sha256.New(), 0
	Each(files, func(it Item) one {
		return one{it.Name, policy.LoopSignals(it.Messages, "[END]"), Judge(policy.Default(), it.Messages)}
	}, func(o one) {
		n++
		writeString(h, o.name)
		for _, x := range o.xs {
			binary.Write(h, binary.LittleEndian, int64(len(x)))
			for _, v := range x {
				binary.Write(h, binary.LittleEndian, math.Float64bits(v))
			}
		}
		binary.Write(h, binary.LittleEndian, int64(o.st.At))
		writeString(h, o.st.Policy)
		writeString(h, o.st.Reason)
	}, func(f File, err error) { t.Errorf("%s: %v", f.Path, err) })
	return hex.EncodeToString(h.Sum(nil)), n
}

func writeString(h hash.Hash, s string) {
	fmt.Fprintf(h, "%d:%s", len(s), s)
}

// Every loop signal and every stop over the labelled corpus is what it was
// when the model was fitted.
func TestSignalsAndStopsArePinned(t *testing.T) {
	needCorpus(t)
	got, n := corpusDigest(t)
	if n == 0 {
		t.Fatal("no transcripts read from the corpus")
	}
	if got != pinnedCorpusDigest {
		t.Errorf("the loop signals or stops over %d corpus transcripts changed: digest %s, pinned %s; a speed-up must not move them (if a rule was meant to change, retrain the model and pin the new digest)", n, got, pinnedCorpusDigest)
	}
}

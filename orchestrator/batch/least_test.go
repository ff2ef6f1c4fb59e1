package batch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/configs"
)

// The least a batch could take is a true lower bound: its model time
// shared by its -j slots, or its longest conversation's model time,
// whichever is more, since a conversation's messages come one after
// another; over sessions of different -j, the most of them bounds it, and
// each session's is said. A session whose -j is not recorded leaves no
// bound to claim.
func TestTheLeastABatchCouldTakeIsALowerBound(t *testing.T) {
	for _, c := range []struct {
		name      string
		s         Summary
		least     time.Duration // 0: none claimed
		header    string
		sentence  string
		wantNotIn string
	}{
		{name: "fewer conversations than slots", s: Summary{Parallel: 4, ModelTime: 9300 * time.Millisecond, Longest: 4650 * time.Millisecond},
			least: 4650 * time.Millisecond, header: " · 4 at a time\n",
			sentence: "Wall time 9.35s; model time 9.3s summed over all messages. At 4 at a time the batch could take no less than 4.65s: its longest conversation's model time, whose messages came one after another.\n"},
		{name: "a roster at 512 at a time", s: Summary{Parallel: 512, ModelTime: 112 * 165 * time.Millisecond, Longest: 1700 * time.Millisecond},
			least: 1700 * time.Millisecond, header: " · 512 at a time\n", sentence: "could take no less than 1.7s: its longest conversation's"},
		{name: "every slot kept busy", s: Summary{Parallel: 2, ModelTime: 10 * time.Second, Longest: time.Second},
			least: 5 * time.Second, header: " · 2 at a time\n", sentence: "At 2 at a time the batch could take no less than 5s: the model time over 2.\n"},
		{name: "sessions at one -j", s: Summary{Parallel: 2, ParallelEach: []int{2, 2}, ModelTime: 10 * time.Second, Longest: time.Second},
			least: 5 * time.Second, header: " · 2 at a time\n", sentence: "At 2 at a time the batch could take no less than 5s"},
		{name: "sessions at 2, 3 and 2", s: Summary{Parallel: 2, ParallelEach: []int{2, 3, 2}, ModelTime: 9 * time.Second, Longest: time.Second},
			least: 3 * time.Second, header: " · 2, 3 and 2 at a time over 3 sessions\n", sentence: "At most 3 at a time the batch could take no less than 3s: the model time over 3.\n"},
		{name: "a session's -j not recorded", s: Summary{Parallel: 2, ParallelEach: []int{0, 2}, ModelTime: 9 * time.Second, Longest: time.Second},
			header: " · 2 at a time in its last session (an earlier session's -j is not recorded)\n", sentence: "summed over all messages.\n", wantNotIn: "no less than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.s.Batch, c.s.Wall = "b", 9350*time.Millisecond
			least, ok := c.s.LeastWall()
			if ok != (c.least > 0) || least != c.least {
				t.Errorf("LeastWall = %s, %v; want %s", least, ok, c.least)
			}
			var b strings.Builder
			c.s.Markdown(&b)
			md := b.String()
			for _, want := range []string{c.header, c.sentence} {
				if !strings.Contains(md, want) {
					t.Errorf("summary lacks %q:\n%s", want, md)
				}
			}
			if strings.Contains(md, "per slot") || c.wantNotIn != "" && strings.Contains(md, c.wantNotIn) {
				t.Errorf("summary claims a bound it should not:\n%s", md)
			}
		})
	}
}

// A batch resumed at another -j records each session's, and its summary
// says them all, and the longest conversation's model time.
func TestASummaryOverSessionsSaysEachSessionsJ(t *testing.T) {
	srv := openaitest.Start(t, talk)
	r := runner(t, []*configs.Scenario{scenario(t, pairYAML(srv.URL, ""))}, 9, 2)
	for session, j := range []int{2, 3, 2} {
		m, err := ReadManifest(r.Dir)
		if err != nil {
			t.Fatal(err)
		}
		r := prepared(t, r.Dir, m, j)
		ctx, cancel := context.WithCancel(context.Background())
		var finished atomic.Int64
		if session < 2 {
			r.OnFinish = func(Result) {
				if finished.Add(1) == int64(j) {
					cancel() // the next session goes on from here
				}
			}
		}
		sum, err := r.Run(ctx)
		cancel()
		if session < 2 {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("session %d: %v; want it interrupted", session+1, err)
			}
			continue
		}
		if err != nil || sum.Done != 9 {
			t.Fatalf("last session: %v, %d done; want all 9", err, sum.Done)
		}
		if !slices.Equal(sum.ParallelEach, []int{2, 3, 2}) || sum.Parallel != 2 {
			t.Errorf("-j %d, each session's %v; want 2, and 2, 3 and 2", sum.Parallel, sum.ParallelEach)
		}
		if sum.Longest <= 0 || sum.Longest > sum.ModelTime {
			t.Errorf("longest conversation's model time %s of %s in all", sum.Longest, sum.ModelTime)
		}
		md, err := os.ReadFile(filepath.Join(r.Dir, "summary.md"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(md), " · 2, 3 and 2 at a time over 3 sessions\n") || !strings.Contains(string(md), "At most 3 at a time the batch could take no less than ") {
			t.Errorf("summary.md does not say each session's -j:\n%s", md)
		}
	}
}

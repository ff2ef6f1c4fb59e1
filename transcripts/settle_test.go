package transcripts

import (
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestBeginSyncsInTheBackground: Begin returns with the message written but
// its sync still running; Settle, Append and Finish wait for the sync and
// report its failure.
func TestBeginSyncsInTheBackground(t *testing.T) {
	release := make(chan error)
	synced := make(chan struct{}, 4)
	syncInBackground = func(f *os.File) error {
		err := <-release
		synced <- struct{}{}
		return err
	}
	t.Cleanup(func() { syncInBackground = syncData })

	rec, err := Create(t.TempDir(), sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	msgs := sampleMessages()
	if err := rec.Begin(msgs[0]); err != nil {
		t.Fatal(err)
	}
	// Written already, though not yet synced.
	if tr, err := Read(rec.JSONLPath); err != nil || len(tr.Messages) != 1 {
		t.Fatalf("the JSONL holds %v, %v; want the message written before its sync", tr, err)
	}
	settled := make(chan error)
	go func() { settled <- rec.Settle() }()
	select {
	case <-settled:
		t.Fatal("Settle returned before the sync finished")
	case <-time.After(50 * time.Millisecond):
	}
	release <- nil
	if err := <-settled; err != nil {
		t.Fatal(err)
	}
	<-synced

	// A failed sync is reported by the next Settle, naming the file.
	if err := rec.Begin(msgs[1]); err != nil {
		t.Fatal(err)
	}
	release <- errors.New("disk on fire")
	if err := rec.Settle(); err == nil || !strings.Contains(err.Error(), rec.JSONLPath) || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("Settle after a failed sync = %v; want the failure, naming %s", err, rec.JSONLPath)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestFinishReportsTheLastMessagesFailedSync: Finish syncs the stop line
// in the background after the last message's sync, and reports that
// message's failure rather than losing it.
func TestFinishReportsTheLastMessagesFailedSync(t *testing.T) {
	release := make(chan error, 2)
	syncInBackground = func(f *os.File) error { return <-release }
	t.Cleanup(func() { syncInBackground = syncData })
	rec, err := Create(t.TempDir(), sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Begin(sampleMessages()[0]); err != nil {
		t.Fatal(err)
	}
	release <- errors.New("disk on fire")
	err = rec.Finish(time.Now(), Stop{Kind: StopPolicy, Reason: "limit", At: 1})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("Finish = %v; want the message's failed sync", err)
	}
	// The stop line is written all the same.
	if data, _ := os.ReadFile(rec.JSONLPath); !strings.Contains(string(data), `"type":"stop"`) {
		t.Fatalf("after Finish the JSONL holds\n%s\nwant the stop line", data)
	}
}

// TestEachSyncRunsOnce: whichever goroutine claims a sync, Settle's or the
// one started for it, the JSONL is synced once per message (and once for
// the stop line), in order.
func TestEachSyncRunsOnce(t *testing.T) {
	var calls atomic.Int64
	syncInBackground = func(f *os.File) error { calls.Add(1); return syncData(f) }
	t.Cleanup(func() { syncInBackground = syncData })
	rec, err := Create(t.TempDir(), sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	for i := range n {
		if err := rec.Begin(sampleMessages()[i%2]); err != nil {
			t.Fatal(err)
		}
		if i%3 != 0 { // now and then the next Begin settles instead
			if err := rec.Settle(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := rec.Finish(time.Now(), Stop{Kind: StopPolicy, Reason: "limit", At: n}); err != nil {
		t.Fatal(err)
	}
	if got := calls.Load(); got != n+1 {
		t.Fatalf("%d syncs for %d messages and the stop line", got, n)
	}
}

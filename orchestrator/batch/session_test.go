package batch

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleyhq/parley/transcripts"
)

// A session killed before it recorded its end (a batch --queue that
// followed its workers, whose state log holds no job's record) counts up
// to the last message on disk that came in while it ran.
func TestBeginSessionCountsAKilledSessionToItsLastMessage(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Now().Add(-time.Minute).Round(time.Millisecond)
	var log bytes.Buffer
	for _, r := range []StateRecord{{Time: t0.Add(-time.Hour), Session: 3 * time.Second}, {Time: t0, Begin: true}} {
		b, _ := json.Marshal(r)
		log.Write(append(b, '\n'))
	}
	os.WriteFile(filepath.Join(dir, StateFile), log.Bytes(), 0o600)
	run := filepath.Join(dir, RunsDir, "b-0001")
	os.MkdirAll(run, 0o700)
	var jsonl bytes.Buffer
	err := transcripts.WriteJSONL(&jsonl, &transcripts.Transcript{Title: "A ↔ B", Started: t0, Messages: []transcripts.Message{
		{Speaker: "A", Content: "hi", Started: t0.Add(time.Second), Ended: t0.Add(2 * time.Second)},
		{Speaker: "B", Content: "hello", Started: t0.Add(3 * time.Second), Ended: t0.Add(12 * time.Second)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(run, "a.jsonl"), jsonl.Bytes(), 0o600)

	if err := BeginSession(dir, time.Now()); err != nil {
		t.Fatal(err)
	}
	wall, err := AddSession(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3*time.Second + 12*time.Second + time.Second; wall != want {
		t.Errorf("wall %v; want %v: the earlier session, the killed one to its last message, and this one", wall, want)
	}
	// Counted once: a later session does not count it again.
	if err := BeginSession(dir, time.Now()); err != nil {
		t.Fatal(err)
	}
	if wall, _ := AddSession(dir, time.Second); wall != 17*time.Second {
		t.Errorf("wall %v after another session; want 17s", wall)
	}
}

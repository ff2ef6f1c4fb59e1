package orchestrator

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/transcripts"
)

// A fork of a recording another tool wrote, whose message 1 is the
// opening by the side that did not open (the seed's system records its
// blank initial message that way, unmarked), goes on where the recording
// was: a replayed side that does not open counts that message as the
// opening handed over, not as one of its lines, so it neither skips a line
// nor runs out early.
func TestAForkOfAnImportedRecordingGoesOnWhereItBranched(t *testing.T) {
	dir, log, parent := importedLog(t)
	forkSays(t, dir, parent, log, []forkCase{
		{"both sides replayed, at 3", "agents:\n  - {name: P, type: replay, transcript: log.txt}\n  - {name: Q, type: replay, transcript: log.txt}\nfirst: Q\n", 3, "q2|p2|q3"},
		{"both sides replayed, at 2", "agents:\n  - {name: P, type: replay, transcript: log.txt}\n  - {name: Q, type: replay, transcript: log.txt}\nfirst: Q\n", 2, "p1|q2|p2|q3"},
	})
}

// forkCase is a scenario forked at a message of a recording, and what the
// fork's own messages say before a side runs out of lines.
type forkCase struct {
	name, yaml string
	at         int
	want       string
}

// forkSays forks parent, read from log, under each case's scenario
// (written in dir) and checks what the fork says.
func forkSays(t *testing.T, dir string, parent *transcripts.Transcript, log string, cases []forkCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := scenario(t, filepath.Join(dir, "s.yaml"), c.yaml)
			cfg, _, err := Fork(s, parent, log, c.at, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var sink collect
			stop, err := New(cfg).Run(context.Background(), &sink)
			if err != nil {
				t.Fatal(err)
			}
			var said []string
			for _, m := range sink.finished() {
				if !m.Inherited {
					said = append(said, m.Content)
				}
			}
			if got := strings.Join(said, "|"); got != c.want || stop.Kind != transcripts.StopExhausted {
				t.Errorf("the fork said %q and stopped %+v; want %q, then the recording running out", got, stop, c.want)
			}
		})
	}
}

// A script was never the lines of a recording another tool wrote: forked
// under a scenario that seats it, it says its lines from the first, and
// does not run out at once when its seat spoke as many messages there as
// it has lines. A replay, which may replay that very recording, goes on
// after the messages its speaker spoke.
func TestAForkOfAnImportedRecordingStartsAScriptAtItsFirstLine(t *testing.T) {
	dir, log, parent := importedLog(t)
	forkSays(t, dir, parent, log, []forkCase{
		{"a scripted side that does not open", "agents:\n  - {name: P, type: scripted, lines: [s1, s2]}\n  - {name: Q, type: scripted, lines: [t1, t2, t3]}\nfirst: Q\n", 3, "t1|s1|t2|s2|t3"},
		{"a scripted side that opens", "agents:\n  - {name: P, type: scripted, lines: [s1, s2]}\n  - {name: Q, type: scripted, lines: [t1, t2]}\n", 3, "t1|s1|t2|s2"},
		{"as many lines as its seat spoke there", "agents:\n  - {name: P, type: scripted, lines: [s1, s2]}\n  - {name: Q, type: scripted, lines: [t1, t2]}\nfirst: Q\n", 5, "t1|s1|t2|s2"},
		{"a script beside a replay", "agents:\n  - {name: P, type: replay, transcript: log.txt}\n  - {name: Q, type: scripted, lines: [t1, t2]}\nfirst: Q\n", 3, "t1|p2|t2"},
	})
}

// importedLog writes another tool's "### Name ###" log of six messages, P
// opening, into a new folder and reads it: the folder, the log's path and
// the recording read.
func importedLog(t *testing.T) (dir, log string, parent *transcripts.Transcript) {
	t.Helper()
	dir = t.TempDir()
	log = filepath.Join(dir, "log.txt")
	os.WriteFile(log, []byte("### P ###\nopen\n\n### Q ###\nq1\n\n### P ###\np1\n\n### Q ###\nq2\n\n### P ###\np2\n\n### Q ###\nq3\n"), 0o600)
	parent, err := transcripts.ReadOne(log)
	if err != nil {
		t.Fatal(err)
	}
	return dir, log, parent
}

// A replay of another recording was never the lines of the recording
// another tool wrote that a fork continues: it says its recording's
// messages from the first, where a replay of that very recording goes on
// after the messages its speaker spoke there
// (TestAForkOfAnImportedRecordingGoesOnWhereItBranched).
func TestAForkOfAnImportedRecordingStartsAReplayOfAnotherAtItsFirstLine(t *testing.T) {
	dir, log, parent := importedLog(t)
	os.WriteFile(filepath.Join(dir, "other.txt"), []byte("### P ###\nx0\n\n### Q ###\ny1\n\n### P ###\nx1\n\n### Q ###\ny2\n\n### P ###\nx2\n\n### Q ###\ny3\n"), 0o600)
	forkSays(t, dir, parent, log, []forkCase{
		{"on the side that does not open", "agents:\n  - {name: P, type: scripted, lines: [s1, s2, s3]}\n  - {name: Q, type: replay, transcript: other.txt}\n", 3, "y1|s1|y2|s2|y3|s3"},
		{"on the side that opens", "agents:\n  - {name: P, type: replay, transcript: other.txt}\n  - {name: Q, type: scripted, lines: [t1, t2, t3]}\n", 4, "x0|t1|x1|t2|x2|t3"},
		{"that very recording, named another way", "agents:\n  - {name: P, type: replay, transcript: ./log.txt}\n  - {name: Q, type: scripted, lines: [t1, t2, t3]}\n", 4, "p2|t1"},
	})
}

// A recording that records no seated_at for a scripted or replay seat (an
// earlier parley's) seats its agent before the longest run of the seat's
// last messages that say its lines from the first, in order: at the fork
// point when that says the same, else just before the run; from the start
// when the run is all the seat's messages; and as before when no message
// of the seat's last is its first line.
func TestWhereAnAgentTookASeatTheRecordingDoesNotSay(t *testing.T) {
	// B's messages of a conversation A opens, A's between them: B speaks
	// messages 2, 4, 6, … (indexes 1, 3, 5, …).
	conv := func(b ...string) []transcripts.Message {
		var m []transcripts.Message
		for i, s := range b {
			m = append(m, transcripts.Message{Speaker: "A", Content: "a" + string(rune('1'+i))}, transcripts.Message{Speaker: "B", Content: s})
		}
		return m
	}
	lines := []string{"s1", "s2", "s3", "s4"}
	cases := []struct {
		name     string
		prior    []transcripts.Message
		forkedAt int
		opens    bool
		lines    []string
		want     int
	}{
		{name: "held from the start", prior: conv("s1", "s2", "s3"), lines: lines, want: 0},
		{name: "held from the start of a fork that kept its lines", prior: conv("s1", "s2", "s3"), forkedAt: 4, lines: lines, want: 0},
		{name: "lines said again", prior: conv("x", "x", "x"), lines: []string{"x", "x", "x", "x"}, want: 0},
		{name: "after another agent's messages, at the fork point", prior: conv("m1", "m2", "s1", "s2"), forkedAt: 4, lines: lines, want: 4},
		{name: "after another agent's messages, the fork point just before the first line", prior: conv("m1", "m2", "s1", "s2"), forkedAt: 5, lines: lines, want: 5},
		{name: "after another agent's messages, seated before the fork point", prior: conv("m1", "m2", "s1", "s2"), forkedAt: 7, lines: lines, want: 5},
		{name: "after another agent's messages, no fork", prior: conv("m1", "s1"), lines: lines, want: 3},
		{name: "another agent's messages that say its first line", prior: conv("s1", "m2", "s1", "s2"), forkedAt: 4, lines: lines, want: 4},
		{name: "white space around a line", prior: conv("m1", " s1\n"), forkedAt: 2, lines: lines, want: 2},
		{name: "nothing said since a fork kept a model's messages", prior: func() []transcripts.Message {
			m := conv("m1", "m2")
			m[1].Model, m[3].Model = "gpt-4o", "gpt-4o"
			return m
		}(), forkedAt: 4, lines: lines, want: 4},
		{name: "nothing said that is its first line", prior: conv("m1", "m2"), forkedAt: 4, lines: lines, want: 0},
		{name: "the opening handed over is no line", prior: append([]transcripts.Message{{Speaker: "B", Content: "Hello."}}, conv("s1", "s2")...), lines: lines, want: 0},
		{name: "message 1 by the side that opens is its reply", prior: append([]transcripts.Message{{Speaker: "B", Content: "Hello."}}, conv("s1", "s2")...), opens: true, lines: lines, want: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := inferSeatedAt(c.prior, "B", "", c.forkedAt, c.opens, c.lines); got != c.want {
				t.Errorf("seated at %d, want %d", got, c.want)
			}
		})
	}
}

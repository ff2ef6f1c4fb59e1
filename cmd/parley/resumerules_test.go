package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/agents/openaitest"
	"github.com/parleyhq/parley/transcripts"
)

// writeSessions writes a recording of scenario src in two sessions, each
// stopped by an interruption: messages 1 to 3 over 25 s, then, resumed 90 s
// later, messages 4 and 5 over 30 s. It returns the JSONL's path.
func writeSessions(t *testing.T, dir, src string) string {
	t.Helper()
	t0 := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	s := time.Second
	run := transcripts.Run{Title: "A ↔ B", Started: t0, Scenario: src, ScenarioPath: filepath.Join(dir, "s.yaml")}
	var b bytes.Buffer
	msg := func(i int, speaker string, from, to time.Duration) {
		b.Write(transcripts.JSONLMessage(i, transcripts.Message{Speaker: speaker, Content: speaker + " says " + from.String(), Started: t0.Add(from), Ended: t0.Add(to)}))
	}
	b.Write(transcripts.JSONLRun(run))
	msg(1, "B", 0, 0)
	msg(2, "A", 0, 10*s)
	msg(3, "B", 10*s, 25*s)
	b.Write(transcripts.JSONLStop(t0.Add(25*s), transcripts.Stop{Kind: transcripts.StopInterrupted, Reason: "the run was interrupted", At: 3}))
	b.Write(transcripts.JSONLRun(run))
	msg(4, "A", 115*s, 130*s)
	msg(5, "B", 130*s, 145*s)
	b.Write(transcripts.JSONLStop(t0.Add(145*s), transcripts.Stop{Kind: transcripts.StopInterrupted, Reason: "the run was interrupted", At: 5}))
	p := filepath.Join(dir, "r.jsonl")
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// On resume, max_duration counts the time the conversation ran, each
// session's span, not the time between sessions when parley was not
// running; parley check of the recording counts the same.
func TestResumeCountsTheTimeTheConversationRan(t *testing.T) {
	dir := t.TempDir()
	src := "agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3, a4, a5]}\n  - {name: B, type: scripted, lines: [b1, b2, b3, b4, b5]}\ntermination:\n  any: [{max_duration: 60s}, {max_messages: 7}]\n"
	os.WriteFile(filepath.Join(dir, "s.yaml"), []byte(src), 0o600)
	jl := writeSessions(t, dir, src)
	// 55 s ran, in two sessions; 145 s passed.
	if got := checkStop(t, filepath.Join(dir, "s.yaml"), jl); got != 0 {
		t.Errorf("check stops the recording at %d; it ran 55 s of its 60", got)
	}
	code, out, errOut := parley(t, "resume", "--no-tui", jl)
	if code != exitOK || !strings.Contains(out, "Stopped after message 7 (max_messages)") {
		t.Fatalf("resume: exit %d\n%s%s", code, out, errOut)
	}
	tr, err := transcripts.Read(jl)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range tr.Messages {
		if want := []int{0, 0, 0, 1, 1, 2, 2}[i]; m.Session != want {
			t.Errorf("message %d read as of session %d, want %d", i+1, m.Session, want)
		}
	}
	if got := checkStop(t, filepath.Join(dir, "s.yaml"), jl); got != 7 {
		t.Errorf("check stops the resumed recording at %d; the run stopped at 7", got)
	}
	// Under 50 s, check stops it where the second session passed it.
	os.WriteFile(filepath.Join(dir, "p.yaml"), []byte("max_duration: 50s\n"), 0o600)
	if got := checkStop(t, filepath.Join(dir, "p.yaml"), jl); got != 5 {
		t.Errorf("check under 50s stops at %d, want 5", got)
	}
}

// A conversation the judge stopped, or whose replayed or scripted side ran
// out of lines, is refused as the README promises: resuming it would ask
// the judge again (a paid call) or stop again at once, and record a second
// run line, ruling and stop. Its files are left exactly as they were.
func TestResumeOfARunTheJudgeOrARunOutSideEndedRefuses(t *testing.T) {
	judge := openaitest.Start(t, openaitest.Queue(
		openaitest.Words("CONTINUE\nThey are still trading new ideas."),
		openaitest.Words("STOP\nThey are only saying goodbye."),
		openaitest.Words("STOP\nAsked again."),
	))
	for _, c := range []struct {
		name, src, stop string
		want            []string
	}{
		{"the judge", "agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3, a4]}\n  - {name: B, type: scripted, lines: [b1, b2, b3, b4]}\ntermination:\n  any:\n    - max_messages: 50\n    - judge: {base_url: \"" + judge.URL + "\", model: moderator, every: 2}\n",
			"(judge)", []string{"is finished: the judge stopped it at message 4 (", "give rules without the judge with --policy FILE"}},
		{"a scripted side out of lines", "agents:\n  - {name: A, type: scripted, lines: [a1]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 50}\n",
			"(exhausted)", []string{"is finished: A has no lines left to say after message 3, and it speaks next", "parley fork ", "--at 3 --agent 'A=PROVIDER:MODEL'"}},
		{"a budget", "agents:\n  - {name: A, type: scripted, lines: [a1, a2]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 3}\n",
			"(max_messages)", []string{"is finished: it holds 3 messages", "--max-messages"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "s.yaml")
			os.WriteFile(p, []byte(c.src), 0o600)
			if code, out, errOut := parley(t, "run", "--no-tui", "--out", dir, p); code != exitOK || !strings.Contains(out, c.stop) {
				t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
			}
			jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
			md := strings.TrimSuffix(jls[0], ".jsonl") + ".md"
			beforeJL, _ := os.ReadFile(jls[0])
			beforeMD, _ := os.ReadFile(md)
			asked := len(judge.Requests())
			code, out, errOut := parley(t, "resume", "--no-tui", jls[0])
			if code != exitUsage {
				t.Fatalf("resume: exit %d, want %d\n%s%s", code, exitUsage, out, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q\nwant %q", errOut, w)
				}
			}
			if n := len(judge.Requests()) - asked; n > 0 {
				t.Errorf("the refused resume asked the judge %d times", n)
			}
			afterJL, _ := os.ReadFile(jls[0])
			afterMD, _ := os.ReadFile(md)
			if !bytes.Equal(afterJL, beforeJL) || !bytes.Equal(afterMD, beforeMD) {
				t.Errorf("the refused resume changed the files:\n%s", afterJL[len(beforeJL):])
			}
		})
	}
}

// A resume's run line records the rules it ran under, given with --policy
// or --max-messages: show judges the recording under them, not the
// scenario's, and a later resume continues under them.
func TestResumeRecordsTheRulesItRanUnder(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3, a4, a5]}\n  - {name: B, type: scripted, lines: [b1, b2, b3, b4, b5]}\ntermination: {max_messages: 3}\n"), 0o600)
	if code, out, errOut := parley(t, "run", "--no-tui", "--out", dir, p); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	respol := filepath.Join(dir, "respol.yaml")
	os.WriteFile(respol, []byte("any: [{max_messages: 9}, {stop_pattern: b2}]\n"), 0o600)
	if code, out, errOut := parley(t, "resume", "--no-tui", "--policy", respol, jls[0]); code != exitOK || !strings.Contains(out, "Stopped after message 5 (stop_pattern)") {
		t.Fatalf("resume --policy: exit %d\n%s%s", code, out, errOut)
	}
	tr, _ := transcripts.Read(jls[0])
	if tr.Run.Termination != "any: [{max_messages: 9}, {stop_pattern: b2}]\n" || tr.Run.TerminationPath != respol {
		t.Errorf("the resumed run line records termination %q from %q; want respol.yaml's", tr.Run.Termination, tr.Run.TerminationPath)
	}
	_, out, _ := parley(t, "show", "--no-tui", jls[0])
	if !strings.Contains(out, "◆ Under the rules its last session ran under (--policy "+respol+") it would stop after message 5 by stop_pattern") {
		t.Errorf("show does not judge under the rules recorded:\n%s", out)
	}
	// A later resume continues under them: the stop_pattern still ends it,
	// and so it does with a new budget alone, which is set over them.
	for _, args := range [][]string{{}, {"--max-messages", "12"}} {
		code, _, errOut := parley(t, append(append([]string{"resume", "--no-tui"}, args...), jls[0])...)
		if code != exitUsage || !strings.Contains(errOut, "stop_pattern stops it at message 5") {
			t.Errorf("a later resume %q: exit %d, %q; want the recorded rules' stop", args, code, errOut)
		}
	}
	// --max-messages over the recorded rules is recorded too.
	os.WriteFile(respol, []byte("max_messages: 9\n"), 0o600)
	if code, out, errOut := parley(t, "resume", "--no-tui", "--policy", respol, "--max-messages", "7", jls[0]); code != exitOK || !strings.Contains(out, "Stopped after message 7 (max_messages)") {
		t.Fatalf("resume --policy --max-messages: exit %d\n%s%s", code, out, errOut)
	}
	tr, _ = transcripts.Read(jls[0])
	if tr.Run.MaxMessages != 7 || tr.Run.Termination != "max_messages: 9\n" {
		t.Errorf("the run line records max_messages %d and termination %q", tr.Run.MaxMessages, tr.Run.Termination)
	}
	_, out, _ = parley(t, "show", "--no-tui", jls[0])
	if !strings.Contains(out, "with --max-messages 7, as its last session ran it would stop after message 7 by max_messages") {
		t.Errorf("show does not judge under the budget recorded:\n%s", out)
	}
}

// A run that stops with a message cut off keeps it, marked interrupted,
// and the Markdown counts it: the printed stop says so, rather than
// naming one message fewer than the files hold without a word.
func TestTheStopSaysAMessageWasCutOff(t *testing.T) {
	srv := openaitest.Start(t, func(r openaitest.Request) openaitest.Reply {
		return openaitest.Reply{Pieces: []string{"half ", "a ", "reply"}, Fault: openaitest.CutOff, At: 2}
	})
	dir := t.TempDir()
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte("agents:\n  - {name: A, base_url: "+srv.URL+", model: a, retries: 1}\n  - {name: B, type: scripted, lines: [b1]}\ntermination: {max_messages: 4}\n"), 0o600)
	_, out, errOut := parley(t, "run", "--no-tui", "--out", dir, p)
	if !strings.Contains(out, "Stopped after message 1 (error); message 2 was cut off and is kept, marked (interrupted), so the transcript holds 2 messages.\n") {
		t.Errorf("the stop does not say what the files hold:\n%s%s", out, errOut)
	}
	mds, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	if len(mds) != 1 {
		t.Fatalf("recorded %v", mds)
	}
	if md, _ := os.ReadFile(mds[0]); !strings.Contains(string(md), "**Messages:** 2\n") || !strings.Contains(string(md), "(interrupted)") {
		t.Errorf("the Markdown:\n%s", md)
	}
}

// A scripted side that ran out of lines goes on when --scenario gives it
// more.
func TestResumeOfARunOutSideWithMoreLinesGoesOn(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte("agents:\n  - {name: A, type: scripted, lines: [a1]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 50}\n"), 0o600)
	if code, out, errOut := parley(t, "run", "--no-tui", "--out", dir, p); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	jls, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	more := filepath.Join(dir, "more.yaml")
	os.WriteFile(more, []byte("agents:\n  - {name: A, type: scripted, lines: [a1, a2]}\n  - {name: B, type: scripted, lines: [b1, b2]}\ntermination: {max_messages: 5}\n"), 0o600)
	if code, out, errOut := parley(t, "resume", "--no-tui", "--scenario", more, jls[0]); code != exitOK || !strings.Contains(out, "Stopped after message 5 (max_messages)") {
		t.Errorf("resume --scenario with more lines: exit %d\n%s%s", code, out, errOut)
	}
}

// A replayed side that ran out resumes under --scenario when the scenario
// replays a longer recording, as a scripted side given more lines does;
// it goes on from the line after those it said.
func TestResumeOfARunOutReplayGivenMoreLines(t *testing.T) {
	dir := t.TempDir()
	short := "### A ###\na1\n\n### B ###\nb1\n\n### A ###\na2\n\n### B ###\nb2\n"
	os.WriteFile(filepath.Join(dir, "short.txt"), []byte(short), 0o600)
	os.WriteFile(filepath.Join(dir, "long.txt"), []byte(short+"\n### A ###\na3\n\n### B ###\nb3\n"), 0o600)
	scenario := func(file string) string {
		return "agents:\n  - {name: A, type: replay, transcript: " + file + ", speaker: A}\n  - {name: B, type: replay, transcript: " + file + ", speaker: B}\ntermination: {max_messages: 50}\n"
	}
	jl := recordRun(t, dir, scenario("short.txt"))
	long := filepath.Join(dir, "long.yaml")
	os.WriteFile(long, []byte(scenario("long.txt")), 0o600)
	code, out, errOut := parley(t, "resume", "--no-tui", "--scenario", long, jl)
	if code != exitOK {
		t.Fatalf("resume --scenario with more lines: exit %d\n%s%s", code, out, errOut)
	}
	said := saidIn(t, jl)
	if want := []string{"Hello.", "a1", "b1", "a2", "b2", "a3", "b3"}; !slices.Equal(said, want) {
		t.Errorf("the resumed recording holds %q, want %q", said, want)
	}
}

// A fork under --scenario that seats a new script where the parent had a
// replay starts the script at its first line: the lines the seat spoke in
// the kept messages were the replay's, not the script's.
func TestForkSeatingANewScriptStartsItAtItsFirstLine(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "rec.txt"), []byte("### A ###\na1\n\n### B ###\nb1\n\n### A ###\na2\n\n### B ###\nb2\n"), 0o600)
	jl := recordRun(t, dir, "agents:\n  - {name: A, type: replay, transcript: rec.txt, speaker: A}\n  - {name: B, type: replay, transcript: rec.txt, speaker: B}\ntermination: {max_messages: 50}\n")
	sc := filepath.Join(dir, "fork.yaml")
	os.WriteFile(sc, []byte("agents:\n  - {name: A, type: replay, transcript: rec.txt, speaker: A}\n  - {name: B, type: scripted, lines: [new1, new2]}\ntermination: {max_messages: 5}\n"), 0o600)
	out := filepath.Join(dir, "forks")
	if code, o, errOut := parley(t, "fork", jl, "--at", "3", "--no-tui", "--scenario", sc, "--out", out); code != exitOK {
		t.Fatalf("fork: exit %d\n%s%s", code, o, errOut)
	}
	jls, _ := filepath.Glob(filepath.Join(out, "*.jsonl"))
	if len(jls) != 1 {
		t.Fatalf("the fork recorded %v", jls)
	}
	said := saidIn(t, jls[0])
	if want := []string{"Hello.", "a1", "b1", "a2", "new1"}; !slices.Equal(said, want) {
		t.Errorf("the fork holds %q, want %q", said, want)
	}
}

// judgeAsked lists what each question a judge was put asked about: the
// number of messages its prompt says the conversation holds.
func judgeAsked(t *testing.T, reqs []openaitest.Request) []string {
	t.Helper()
	var asked []string
	for _, r := range reqs {
		if len(r.Body.Messages) == 0 {
			t.Fatalf("a judge's request holds no message: %s", r.Raw)
		}
		p := r.Body.Messages[len(r.Body.Messages)-1].Content
		_, rest, ok := strings.Cut(p, "The conversation so far has ")
		n, _, _ := strings.Cut(rest, " ")
		if !ok {
			t.Fatalf("a judge's question does not say how many messages it holds:\n%s", p)
		}
		asked = append(asked, n)
	}
	return asked
}

// recordedRulings lists the messages each judge ruling a recording holds
// was about, as "after message N", in the order recorded.
func recordedRulings(t *testing.T, jsonl string) []string {
	t.Helper()
	tr, err := transcripts.Read(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	var at []string
	for _, e := range tr.Run.Events {
		if e.Kind != "judge" {
			continue
		}
		_, rest, _ := strings.Cut(e.Detail, "after message ")
		n, _, _ := strings.Cut(rest, ":")
		at = append(at, n)
	}
	return at
}

// A resumed conversation asks its judge only about the messages it adds,
// after the messages an uninterrupted run would have asked after: the
// recording's messages were its first session's to ask about, and asking
// again would be a paid request for a ruling already recorded.
func TestResumeAsksTheJudgeOnlyAboutItsOwnMessages(t *testing.T) {
	judge := openaitest.Start(t, openaitest.Queue(
		openaitest.Words("CONTINUE\nAfter the first two."),
		openaitest.Words("CONTINUE\nAfter the first four."),
		openaitest.Words("CONTINUE\nAfter six."),
		openaitest.Words("CONTINUE\nAfter eight."),
	))
	dir := t.TempDir()
	jl := recordRun(t, dir, "agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3, a4, a5]}\n  - {name: B, type: scripted, lines: [b1, b2, b3, b4, b5]}\ntermination:\n  any:\n    - max_messages: 4\n    - judge: {base_url: \""+judge.URL+"\", model: moderator, every: 2}\n")
	// Not after message 4, where the budget ends the run anyway.
	if got := judgeAsked(t, judge.Requests()); !slices.Equal(got, []string{"2"}) {
		t.Fatalf("the run asked the judge about %q messages, want 2", got)
	}
	for _, c := range []struct {
		max, stop string
		asked     []string // all the questions so far
	}{
		// Message 5 is no multiple of 2: nothing to ask.
		{"5", "Stopped after message 5 (max_messages)", []string{"2"}},
		// Asked after 6 and 8, as a run that never stopped would be.
		{"9", "Stopped after message 9 (max_messages)", []string{"2", "6", "8"}},
	} {
		code, out, errOut := parley(t, "resume", "--no-tui", "--max-messages", c.max, jl)
		if code != exitOK || !strings.Contains(out, c.stop) {
			t.Fatalf("resume --max-messages %s: exit %d\n%s%s", c.max, code, out, errOut)
		}
		if got := judgeAsked(t, judge.Requests()); !slices.Equal(got, c.asked) {
			t.Errorf("after resume --max-messages %s the judge was asked about %q messages, want %q", c.max, got, c.asked)
		}
	}
	if got := recordedRulings(t, jl); !slices.Equal(got, []string{"2", "6", "8"}) {
		t.Errorf("the recording holds rulings after messages %q, want one each after 2, 6 and 8", got)
	}
}

// A fork stopped by its budget and resumed says what the same fork says
// uninterrupted: a scripted seat goes on from the first line it has not
// said since it took the seat. The messages the fork kept from its parent
// are lines it said only where the parent's recording seated that script
// there; a model's messages (the seat's formerly:), a replay's, or another
// tool's recording's never are, on the fork, on its resume, or on a fork
// of the fork.
func TestAResumedForkSaysWhatAnUninterruptedForkSays(t *testing.T) {
	lines := scriptLines
	// The parent of the first cases: A scripted, M a model, six messages.
	modelParent := modelSeatParent("M")
	scriptForModel := "agents:\n  - {name: A, type: scripted, lines: " + lines("a", 9) + "}\n  - {name: S, type: scripted, formerly: [M], lines: " + lines("s", 9) + "}\n"
	cases := []struct {
		name   string
		parent func(t *testing.T, dir string) string // writes the parent; its path
		at     int
		fork   string // the fork's scenario, without its termination
		short  int    // the budget the fork stops at, and is resumed after
		long   int    // the budget of the fork run uninterrupted, and of the resume
		want   string // what the uninterrupted fork's own messages say
	}{
		{
			name: "a script seated where the parent had a model, listing it under formerly", parent: modelParent, at: 6,
			fork: scriptForModel, short: 9, long: 13, want: "s1|a4|s2|a5|s3|a6|s4",
		},
		{
			name: "a script seated where the parent had a replay",
			parent: func(t *testing.T, dir string) string {
				os.WriteFile(filepath.Join(dir, "rec.txt"), []byte(
					"### A ###\na1\n\n### B ###\nb1\n\n### A ###\na2\n\n### B ###\nb2\n\n### A ###\na3\n\n### B ###\nb3\n\n### A ###\na4\n\n### B ###\nb4\n\n### A ###\na5\n"), 0o600)
				return recordRun(t, dir, "agents:\n  - {name: A, type: replay, transcript: rec.txt, speaker: A}\n  - {name: B, type: replay, transcript: rec.txt, speaker: B}\ntermination: {max_messages: 5}\n")
			},
			at:    3,
			fork:  "agents:\n  - {name: A, type: replay, transcript: rec.txt, speaker: A}\n  - {name: B, type: scripted, lines: " + lines("n", 9) + "}\n",
			short: 6, long: 10, want: "a2|n1|a3|n2|a4|n3|a5",
		},
		{
			name: "a script forking another tool's recording",
			parent: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "log.txt")
				os.WriteFile(p, []byte("### P ###\nopen\n\n### Q ###\nq1\n\n### P ###\np1\n\n### Q ###\nq2\n\n### P ###\np2\n\n### Q ###\nq3\n"), 0o600)
				return p
			},
			at:    4,
			fork:  "agents:\n  - {name: P, type: scripted, lines: " + lines("s", 9) + "}\n  - {name: Q, type: scripted, lines: " + lines("t", 9) + "}\n",
			short: 7, long: 11, want: "s1|t1|s2|t2|s3|t3|s4",
		},
		{
			name: "a replay of another recording forking another tool's recording",
			parent: func(t *testing.T, dir string) string {
				os.WriteFile(filepath.Join(dir, "other.txt"), []byte("### P ###\nx1\n\n### Q ###\ny1\n\n### P ###\nx2\n\n### Q ###\ny2\n\n### P ###\nx3\n\n### Q ###\ny3\n\n### P ###\nx4\n\n### Q ###\ny4\n"), 0o600)
				p := filepath.Join(dir, "log.txt")
				os.WriteFile(p, []byte("### P ###\nopen\n\n### Q ###\nq1\n\n### P ###\np1\n\n### Q ###\nq2\n\n### P ###\np2\n"), 0o600)
				return p
			},
			at:    5,
			fork:  "agents:\n  - {name: P, type: scripted, lines: " + lines("s", 9) + "}\n  - {name: Q, type: replay, transcript: other.txt, speaker: Q}\n",
			short: 8, long: 12, want: "y1|s1|y2|s2|y3|s3|y4",
		},
		{
			name: "a script the parent seated carries on after its lines",
			parent: func(t *testing.T, dir string) string {
				return recordRun(t, dir, "agents:\n  - {name: A, type: scripted, lines: [a1, a2, a3]}\n  - {name: B, type: scripted, lines: [b1, b2, b3]}\ntermination: {max_messages: 5}\n")
			},
			at:    5,
			fork:  "agents:\n  - {name: A, type: scripted, lines: " + lines("a", 9) + "}\n  - {name: B, type: scripted, lines: " + lines("b", 9) + "}\n",
			short: 8, long: 12, want: "a3|b3|a4|b4|a5|b5|a6",
		},
		{
			name: "a fork of a fork that seated a script where a model was",
			parent: func(t *testing.T, dir string) string {
				sc := filepath.Join(dir, "first.yaml")
				os.WriteFile(sc, []byte(scriptForModel+"termination: {max_messages: 9}\n"), 0o600)
				jl, _ := runFork(t, filepath.Join(dir, "first"), modelParent(t, dir), "--at", "6", "--scenario", sc)
				return jl // s1|a4|s2 after the parent's six
			},
			at:   8,
			fork: scriptForModel, short: 10, long: 14, want: "s2|a5|s3|a6|s4|a7",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			parent := c.parent(t, dir)
			scenario := func(name string, budget int) string { return forkScenario(dir, name, c.fork, budget) }
			at := strconv.Itoa(c.at)
			whole, _ := runFork(t, filepath.Join(dir, "whole"), parent, "--at", at, "--scenario", scenario("long.yaml", c.long))
			cut, _ := runFork(t, filepath.Join(dir, "cut"), parent, "--at", at, "--scenario", scenario("short.yaml", c.short))
			if code, out, errOut := parley(t, "resume", "--no-tui", "--max-messages", strconv.Itoa(c.long), cut); code != exitOK {
				t.Fatalf("resume: exit %d\n%s%s", code, out, errOut)
			}
			want := saidIn(t, whole)
			if got := strings.Join(want[c.at:], "|"); got != c.want {
				t.Errorf("the fork said %q, want %q", got, c.want)
			}
			if got := saidIn(t, cut); !slices.Equal(got, want) {
				t.Errorf("the fork resumed after message %d said %q, where uninterrupted it said %q", c.short, got[c.at:], want[c.at:])
			}
		})
	}
}

// modelSeatParent writes a parent recording of six messages, as parley
// records them: A scripted, saying a1 to a3, and seat, a model (gpt-4o)
// that opens and says m1 and m2. It returns the writer, for a case's
// parent; the writer returns the JSONL's path.
func modelSeatParent(seat string) func(t *testing.T, dir string) string {
	return func(t *testing.T, dir string) string {
		var b bytes.Buffer
		b.Write(transcripts.JSONLRun(transcripts.Run{Title: "A ↔ " + seat, Started: time.Now().Add(-time.Hour).UTC(), Agents: []transcripts.AgentInfo{
			{Name: "A", Type: "scripted"}, {Name: seat, Type: "openai", Provider: "openai", Model: "gpt-4o"}}}))
		for i, m := range []transcripts.Message{
			{Speaker: seat, Content: "Hello.", Origin: transcripts.OriginOpening},
			{Speaker: "A", Content: "a1"}, {Speaker: seat, Content: "m1", Model: "gpt-4o"}, {Speaker: "A", Content: "a2"},
			{Speaker: seat, Content: "m2", Model: "gpt-4o"}, {Speaker: "A", Content: "a3"},
		} {
			b.Write(transcripts.JSONLMessage(i+1, m))
		}
		p := filepath.Join(dir, "parent.jsonl")
		os.WriteFile(p, b.Bytes(), 0o600)
		return p
	}
}

// scriptLines is a scripted agent's lines as YAML: [a1, a2, …] for
// prefix a, n of them.
func scriptLines(prefix string, n int) string {
	var l []string
	for i := 1; i <= n; i++ {
		l = append(l, prefix+strconv.Itoa(i))
	}
	return "[" + strings.Join(l, ", ") + "]"
}

// forkScenario writes the scenario fork (its agents) with a budget of
// max_messages to dir/name, for a fork's --scenario, and returns its path.
func forkScenario(dir, name, fork string, budget int) string {
	p := filepath.Join(dir, name)
	os.WriteFile(p, []byte(fork+"termination: {max_messages: "+strconv.Itoa(budget)+"}\n"), 0o600)
	return p
}

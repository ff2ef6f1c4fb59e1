package batch

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/orchestrator"
	"github.com/parleyhq/parley/transcripts"
)

func TestSummaryTablesAreAlignedForATerminal(t *testing.T) {
	md := "# Batch b1\n\nWall time 3s.\n\n## Stop reasons\n\n| Stop | Conversations |\n|---|---:|\n| end_token | 12 |\n| a \\| b | 3 |\n"
	var b strings.Builder
	MarkdownToText(&b, md, 80)
	want := "Batch b1\n════════\n\nWall time 3s.\n\nStop reasons\n────────────\n\n" +
		"Stop       Conversations\n" +
		"─────────  ─────────────\n" +
		"end_token             12\n" +
		"a | b                  3\n\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	if strings.Contains(b.String(), "|---") {
		t.Error("Markdown pipes remain")
	}
}

func TestSummaryCountsAgreeInNumber(t *testing.T) {
	var b strings.Builder
	(&Summary{Batch: "b", Retries: 1, Failed: 1}).Markdown(&b)
	if !strings.Contains(b.String(), "1 retry; 1 failed conversation.") {
		t.Errorf("summary says:\n%s", b.String())
	}
	if got := (Snapshot{Retries: 1}).Line(); !strings.Contains(got, "1 retry ") && !strings.HasSuffix(got, "1 retry") {
		t.Errorf("progress says %q", got)
	}
}

// A progress line gives the time left while the batch runs, and none
// once Ctrl-C has interrupted a conversation: the rest waits for --resume.
func TestProgressGivesNoETAOnceInterrupted(t *testing.T) {
	tests := []struct {
		name    string
		snap    Snapshot
		wantETA bool
	}{
		{"running", Snapshot{Total: 6, Done: 2, Running: 2, Elapsed: 4 * time.Second}, true},
		{"nothing finished yet", Snapshot{Total: 6, Running: 2, Elapsed: 4 * time.Second}, false},
		{"interrupted", Snapshot{Total: 6, Done: 2, Interrupted: 1, Running: 1, Elapsed: 4 * time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.snap
			s.Rates()
			if got := strings.Contains(s.Line(), "ETA"); got != tt.wantETA {
				t.Errorf("progress says %q; want an ETA: %v", s.Line(), tt.wantETA)
			}
		})
	}
}

// A progress line counts its messages in words that agree with the count,
// and gives a rate only of messages an agent said this session: an
// opening, which no model generated, or a line typed in, makes no rate.
func TestProgressLineSaysWhatAgentsSaid(t *testing.T) {
	said := func(origin string) transcripts.Message {
		return transcripts.Message{Speaker: "A", Content: "hello", Origin: origin}
	}
	cases := []struct {
		name     string
		before   int                   // messages earlier sessions recorded
		messages []transcripts.Message // this session's, as the runs finish them
		want     []string              // what the line holds
		wantNot  []string              // and what it does not
	}{
		{"the opening alone", 0, []transcripts.Message{said(transcripts.OriginOpening)},
			[]string{"· 1 message ·"}, []string{"msg/s", "1 messages"}},
		{"an opening and a line typed in", 0, []transcripts.Message{said(transcripts.OriginOpening), said(transcripts.OriginInjected)},
			[]string{"· 2 messages ·"}, []string{"msg/s"}},
		{"an opening and a reply", 0, []transcripts.Message{said(transcripts.OriginOpening), said(transcripts.OriginAgent)},
			[]string{"· 2 messages · ", " msg/s · "}, nil},
		{"earlier sessions' messages alone", 4, nil,
			[]string{"· 4 messages ·"}, []string{"msg/s"}},
		{"a note, counted nowhere", 0, []transcripts.Message{said(transcripts.OriginModerator)},
			[]string{"· 0 messages ·"}, []string{"msg/s"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &Progress{}
			p.begin(2, 0, Snapshot{Messages: c.before})
			sink := p.sink()
			for i, m := range c.messages {
				sink.Handle(orchestrator.MessageFinished{Index: i + 1, Message: m})
			}
			time.Sleep(time.Millisecond) // some time elapsed, for a rate
			line := p.Snapshot().Line()
			for _, w := range c.want {
				if !strings.Contains(line, w) {
					t.Errorf("progress says %q; want %q in it", line, w)
				}
			}
			for _, w := range c.wantNot {
				if strings.Contains(line, w) {
					t.Errorf("progress says %q; want no %q", line, w)
				}
			}
		})
	}
}

func TestMostAtOnceCountsOnlyTheRunsThatOverlapped(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	run := func(state string, start, end int) Result {
		return Result{State: state, Started: at(start), Ended: at(end)}
	}
	resumed := func(first, last, end int) Result {
		return Result{State: StateDone, Started: at(first), LastStart: at(last), Ended: at(end), Resumes: 1}
	}
	cases := []struct {
		name    string
		results []Result
		want    int
	}{
		{"none", nil, 0},
		{"one after another", []Result{run(StateDone, 0, 10), run(StateDone, 10, 20), run(StateDone, 20, 30)}, 1},
		{"three overlapping, one apart", []Result{run(StateDone, 0, 10), run(StateFailed, 5, 15), run(StateDone, 8, 12), run(StateDone, 30, 40)}, 3},
		{"interrupted and never-started runs are left out", []Result{run(StateDone, 0, 10), run(StateInterrupted, 0, 10), {State: StateFailed}}, 1},
		// Started in an earlier session and resumed after the others
		// ended: its first start would make it overlap all three.
		{"a resumed run counts from its resume", []Result{run(StateDone, 0, 10), run(StateDone, 10, 20), resumed(0, 25, 30)}, 1},
		{"a resumed run without its resume time is left out", []Result{run(StateDone, 0, 10), {State: StateDone, Started: at(0), Ended: at(30), Resumes: 1}}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := mostAtOnce(c.results); got != c.want {
				t.Errorf("mostAtOnce = %d, want %d", got, c.want)
			}
		})
	}
}

// A batch on a queue ran on workers each with its own -j: its summary says
// what was seen running at once, and counts the jobs workers hold as
// started, not as not started.
func TestAQueuedSummarySaysWhatRanNotASetting(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var results []Result
	for i := range 6 {
		results = append(results, Result{ID: fmt.Sprint(i), State: StateDone, Messages: 3,
			Started: t0.Add(time.Duration(i/3) * time.Minute), Ended: t0.Add(time.Duration(i/3)*time.Minute + 50*time.Second)})
	}
	m := &Manifest{ID: "q1", Parallel: 4, Jobs: make([]PlannedJob, 10)}
	s := Summarize(m, results, 2*time.Minute)
	s.SetUnfinished(3)
	var b strings.Builder
	s.Markdown(&b)
	md := b.String()
	for _, want := range []string{
		"10 planned · 6 done · 0 failed · 3 handed to workers, not finished · 1 not started\n",
		"Wall time 2m0s; model time 0s summed over all messages. At most 3 of the finished conversations ran at once, by their start and end times; each worker runs its own -j.\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "at a time") {
		t.Errorf("a queued batch's summary names the manifest's -j as a setting:\n%s", md)
	}
	if s.Parallel != 0 || s.MostAtOnce != 3 {
		t.Errorf("parallel %d, most at once %d; want 0 and 3", s.Parallel, s.MostAtOnce)
	}
	s.SetUnfinished(0)
	if s.Unfinished != 0 || s.NotStarted != 4 {
		t.Errorf("after SetUnfinished(0): %d unfinished, %d not started; want 0 and 4", s.Unfinished, s.NotStarted)
	}
}

// A progress display reads the counts from its own goroutine, from before
// the batch has read its state and begun counting: all zero then (no time
// elapsed, no rate), and the counts begin gave once it has, read while it
// runs (go test -race checks the reads).
func TestProgressIsReadWhileTheBatchBegins(t *testing.T) {
	p := &Progress{}
	if s := p.Snapshot(); s != (Snapshot{}) {
		t.Errorf("before begin: %+v; want every count zero", s)
	}
	seen := make(chan Snapshot)
	go func() {
		for {
			if s := p.Snapshot(); s.Total != 0 {
				seen <- s
				return
			}
			runtime.Gosched()
		}
	}()
	p.begin(3, 1, Snapshot{Messages: 4})
	if s := <-seen; s.Total != 3 || s.Elapsed < 0 {
		t.Errorf("read as begin ran: %+v", s)
	}
	if s := p.Snapshot(); s.Total != 3 || s.Skipped != 1 || s.Messages != 4 || s.MessagesBefore != 4 {
		t.Errorf("after begin: %+v", s)
	}
}

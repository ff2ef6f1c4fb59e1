package transcripts

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The dates and times a chat log writes on its labels' lines are when
// its messages were sent, and the conversation spans them: kept with the
// zone they are written with, else in this machine's local time, said
// so. A time of day with no date is no moment, and a slashed date whose
// order none of the file's dates settles is not kept, said so.
func TestLabelledTimesAreKept(t *testing.T) {
	in := func(loc *time.Location) func(string) time.Time {
		return func(s string) time.Time {
			tm, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
			if err != nil {
				t.Fatal(err)
			}
			return tm
		}
	}
	local, utc := in(time.Local), in(time.UTC)
	cases := []struct {
		name       string
		data       string
		want       []time.Time // each message's
		localTimes bool
		warning    string // a part of the reader's warning
	}{
		{name: "a date and a time in brackets, with no zone",
			data: "[2024-05-01 12:00] Claude: Hello GPT, how are you?\n[2024-05-01 12:01] GPT: Fine. What shall we discuss?\n" +
				"[2024-05-01 12:02] Claude: Let's discuss tides.\n[2024-05-01 12:03:30] GPT: Indeed, and the sun too.\n",
			want:       []time.Time{local("2024-05-01 12:00:00"), local("2024-05-01 12:01:00"), local("2024-05-01 12:02:00"), local("2024-05-01 12:03:30")},
			localTimes: true},
		{name: "ISO 8601 in UTC and with an offset, before the name",
			data: "2024-05-01T12:01:33Z alice: hi\n2024-05-01T14:02:00+02:00 bob: hello\n2024-05-01T12:03:00.250Z alice: how are you\n2024-05-01T12:04:00Z bob: fine\n",
			want: []time.Time{utc("2024-05-01 12:01:33"), utc("2024-05-01 12:02:00"), utc("2024-05-01 12:03:00").Add(250 * time.Millisecond), utc("2024-05-01 12:04:00")}},
		{name: "a time after the name",
			data:       "Claude | 2024-05-01 12:00:01: Hello.\nGPT | 2024-05-01 12:00:09: Hi.\nClaude | 2024-05-01 12:01:00: More.\nGPT | 2024-05-01 12:02:00: Bye.\n",
			want:       []time.Time{local("2024-05-01 12:00:01"), local("2024-05-01 12:00:09"), local("2024-05-01 12:01:00"), local("2024-05-01 12:02:00")},
			localTimes: true},
		{name: "WhatsApp's slashed dates, a 13th reading them month first, with AM and PM",
			data:       "5/13/24, 1:01 PM - Alice: hi\n5/13/24, 1:02 p.m. - Bob: hello\n5/14/24, 12:03 AM - Alice: how are you\n5/14/24, 12:04 PM - Bob: fine\n",
			want:       []time.Time{local("2024-05-13 13:01:00"), local("2024-05-13 13:02:00"), local("2024-05-14 00:03:00"), local("2024-05-14 12:04:00")},
			localTimes: true},
		{name: "slashed dates a 13th reads day first",
			data:       "[12/5/2024 09:00] Alice: hi\n[13/5/2024 09:00] Bob: hello\n[13/5/2024 09:05] Alice: how are you\n[13/5/2024 09:06] Bob: fine\n",
			want:       []time.Time{local("2024-05-12 09:00:00"), local("2024-05-13 09:00:00"), local("2024-05-13 09:05:00"), local("2024-05-13 09:06:00")},
			localTimes: true},
		{name: "slashed dates no date settles are not kept",
			data:    "5/1/24, 12:01 - Alice: hi\n5/1/24, 12:02 - Bob: hello\n5/2/24, 12:03 - Alice: how are you\n5/2/24, 12:04 - Bob: fine\n",
			want:    make([]time.Time, 4),
			warning: "its messages' dates (such as 5/1/24) may be month first or day first, and none of them is after the 12th to tell which, so the times of those written with slashes or dots are not kept"},
		{name: "slashed dates read both ways are not kept",
			data:    "[5/13/2024 09:00] Alice: hi\n[13/5/2024 09:00] Bob: hello\n[5/13/2024 09:05] Alice: how are you\n[13/5/2024 09:06] Bob: fine\n",
			want:    make([]time.Time, 4),
			warning: "its messages' dates read month first in one place (5/13/2024) and day first in another (13/5/2024)"},
		{name: "a time of day alone is no moment",
			data: "[12:00] <claude> hi\n[12:01] <gpt> hello\n[12:02] <claude> how are you\n[12:03] <gpt> fine\n",
			want: make([]time.Time, 4)},
		{name: "a date in the message's text is not its time",
			data: "Claude: We met on 2024-05-01 12:00.\nGPT: I recall.\nClaude: Good.\nGPT: Bye.\n",
			want: make([]time.Time, 4)},
		{name: "no such day",
			data: "[2024-02-30 12:00] Claude: a\n[2024-02-30 12:01] GPT: b\n[2024-02-30 12:02] Claude: c\n[2024-02-30 12:03] GPT: d\n",
			want: make([]time.Time, 4)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts, layout, err := Import([]byte(c.data))
			if err != nil || layout != LayoutLabelled || len(ts) != 1 || len(ts[0].Messages) != len(c.want) {
				t.Fatalf("read as %q (%v): %+v", layout, err, ts)
			}
			tr := ts[0]
			var got []time.Time
			for _, m := range tr.Messages {
				got = append(got, m.Started)
			}
			if !slices.EqualFunc(got, c.want, time.Time.Equal) {
				t.Errorf("the messages' times are %v; want %v", got, c.want)
			}
			if first, last := timeSpan(c.want); !tr.Started.Equal(first) || !tr.Ended.Equal(last) {
				t.Errorf("the conversation spans %v to %v; want %v to %v", tr.Started, tr.Ended, first, last)
			}
			if tr.LocalTimes != c.localTimes {
				t.Errorf("LocalTimes = %v, want %v", tr.LocalTimes, c.localTimes)
			}
			warned := strings.Join(tr.Warnings, "\n")
			if c.warning == "" && warned != "" || !strings.Contains(warned, c.warning) {
				t.Errorf("warnings %q; want one holding %q", warned, c.warning)
			}
		})
	}
}

// The Markdown header names no zone, and readers read its times as this
// machine's local time: a time recorded in another zone (a chat log's
// "2024-05-01T12:01:33+05:00") is written in local time, so that it
// reads back as the same moment.
func TestMarkdownHeaderTimesReadBackAsTheSameMoment(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 1, 33, 0, time.UTC)
	_, offset := at.Local().Zone()
	far := time.FixedZone("far", offset+5*3600)
	tr := &Transcript{Title: "A ↔ B", Started: at.In(far), Ended: at.Add(time.Minute).In(far),
		Messages: []Message{{Speaker: "A", Content: "hi"}, {Speaker: "B", Content: "hello"}}}
	var buf strings.Builder
	if err := WriteFile(&buf, tr); err != nil {
		t.Fatal(err)
	}
	back, err := Parse([]byte(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	if !back.Started.Equal(tr.Started) || !back.Ended.Equal(tr.Ended) {
		t.Errorf("written as\n%s\nread back as %v to %v; want %v to %v", buf.String(), back.Started, back.Ended, tr.Started, tr.Ended)
	}
}

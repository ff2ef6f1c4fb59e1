package transcripts

// When a speaker-labelled conversation's messages were sent: the date
// and time chat logs and exports write on a label's line, before the
// name or after it ("[2024-05-01 12:00] Claude:", "2024-05-01T12:01:33Z
// alice:", WhatsApp's "5/1/24, 12:01 - Alice:", "GPT | 2024-05-01
// 12:00:01:").
//
// Only a time that gives its date is a moment: "[12:00]" alone is not
// kept. A date written with slashes or dots ("5/1/2024", "01.05.2024")
// is read month first or day first as the file's own dates show, by a
// 13th or later in one of the two places; when none shows it (every date
// on or before the 12th) or they show both, the file's slashed and
// dotted dates are not kept, and the reader says so. A time written
// with no time zone (anything but a "Z" or an offset such as "+02:00")
// is read as this machine's local time, as parley reads its own
// Markdown's **Started:** line, and the transcript says so (LocalTimes).

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/lazy"
)

// stampTime finds a date and a time of day: year first with dashes
// (ISO 8601, its "T" or a space before the time), or two numbers and a
// year with slashes or dots, then hours and minutes, seconds and their
// fraction, a zone and AM or PM, each as it is written.
var stampTime = lazy.Regexp(`\b(?:(\d{4})-(\d{2})-(\d{2})[ T]|(\d{1,2})([/.])(\d{1,2})[/.](\d{4}|\d{2}),? )(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?(?: ?([AaPp])\.?[Mm]\b\.?)?`)

// labelStamp is the date and time one label's line gives.
type labelStamp struct {
	date          string // as written: "5/1/24"
	year, mo, day int    // mo and day as written, for a slashed date: the first and second numbers
	slashed       bool   // the date is written with slashes or dots, in an order the file settles
	h, mi, s, ns  int
	half          byte           // 'a' or 'p' after the time, else 0
	zone          *time.Location // nil when no zone is written
}

// stampOn reads the date and time on the line of label lb (its text
// before the message's text on that line, and not the speaker's name),
// and reports whether there is one.
func stampOn(line string, lb speakerLabel) (labelStamp, bool) {
	head := trimLineEnd(line)
	if lb.rest != "" {
		if i := strings.LastIndex(head, lb.rest); i > 0 {
			head = head[:i]
		}
	}
	if strings.IndexByte(head, ':') < 0 {
		return labelStamp{}, false // no time of day on the line
	}
	at := stampTime().FindStringSubmatchIndex(head)
	if at == nil || strings.Contains(lb.name, head[at[0]:at[1]]) {
		return labelStamp{}, false
	}
	m := make([]string, len(at)/2)
	for i := range m {
		if at[2*i] >= 0 {
			m[i] = head[at[2*i]:at[2*i+1]]
		}
	}
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	st := labelStamp{date: strings.TrimRight(head[at[0]:at[16]], ", T"), h: num(m[8]), mi: num(m[9]), s: num(m[10])}
	if m[1] != "" {
		st.year, st.mo, st.day = num(m[1]), num(m[2]), num(m[3])
	} else {
		st.mo, st.day, st.year, st.slashed = num(m[4]), num(m[6]), num(m[7]), true
		if len(m[7]) == 2 {
			st.year += 2000 // "5/1/24"
			if st.year >= 2069 {
				st.year -= 100 // as Go reads a two-digit year
			}
		}
	}
	if m[11] != "" {
		f, _ := strconv.ParseFloat("0"+m[11], 64)
		st.ns = int(f * 1e9)
	}
	switch z := m[12]; {
	case z == "Z":
		st.zone = time.UTC
	case z != "":
		z = strings.ReplaceAll(z, ":", "")
		secs := (num(z[1:3])*60 + num(z[3:5])) * 60
		if z[0] == '-' {
			secs = -secs
		}
		st.zone = time.FixedZone("", secs)
	}
	if m[13] != "" {
		st.half = m[13][0] | 0x20 // lowered
	}
	return st, true
}

// moment is the time st gives, its date's first two numbers read month
// first unless dayFirst; false when they name no day (a 13th month, the
// 30th of February, a 25th hour).
func (st labelStamp) moment(dayFirst bool) (time.Time, bool) {
	mo, day := st.mo, st.day
	if st.slashed && dayFirst {
		mo, day = day, mo
	}
	h := st.h
	switch {
	case st.half != 0 && (h < 1 || h > 12):
		return time.Time{}, false
	case st.half == 'a' && h == 12:
		h = 0
	case st.half == 'p' && h < 12:
		h += 12
	}
	if mo < 1 || mo > 12 || day < 1 || h > 23 || st.mi > 59 || st.s > 59 {
		return time.Time{}, false
	}
	loc := st.zone
	if loc == nil {
		loc = time.Local
	}
	t := time.Date(st.year, time.Month(mo), day, h, st.mi, st.s, st.ns, loc)
	return t, t.Day() == day // not one time.Date carried into the next month
}

// labelTimes is when each of labels' messages was sent, as its label's
// line says: zero where it gives no date. local says a time kept was
// written with no zone, and is this machine's local time; warning says
// why dates the file writes were not kept, or is "".
func labelTimes(lines []string, labels []speakerLabel) (times []time.Time, local bool, warning string) {
	stamps := make([]labelStamp, len(labels))
	found := make([]bool, len(labels))
	monthFirst, dayFirst := "", "" // a slashed date that shows each order
	for k, lb := range labels {
		st, ok := stampOn(lines[lb.line], lb)
		if !ok {
			continue
		}
		stamps[k], found[k] = st, true
		switch {
		case !st.slashed:
		case st.mo > 12 && st.day <= 12 && dayFirst == "":
			dayFirst = st.date
		case st.day > 12 && st.mo <= 12 && monthFirst == "":
			monthFirst = st.date
		}
	}
	slashedKept := monthFirst == "" || dayFirst == ""
	times = make([]time.Time, len(labels))
	var unsettled string // a slashed date whose order no date settles
	for k, st := range stamps {
		if !found[k] {
			continue
		}
		if st.slashed && (!slashedKept || monthFirst == "" && dayFirst == "") {
			if unsettled == "" {
				unsettled = st.date
			}
			continue
		}
		if t, ok := st.moment(dayFirst != ""); ok {
			times[k] = t
			local = local || st.zone == nil
		}
	}
	switch {
	case !slashedKept:
		warning = fmt.Sprintf("its messages' dates read month first in one place (%s) and day first in another (%s), so the times of those written with slashes or dots are not kept", monthFirst, dayFirst)
	case unsettled != "":
		warning = fmt.Sprintf("its messages' dates (such as %s) may be month first or day first, and none of them is after the 12th to tell which, so the times of those written with slashes or dots are not kept", unsettled)
	}
	return times, local, warning
}

// timeSpan is the earliest and the latest of times, zero ones aside.
func timeSpan(times []time.Time) (first, last time.Time) {
	for _, t := range times {
		if t.IsZero() {
			continue
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if last.IsZero() || t.After(last) {
			last = t
		}
	}
	return first, last
}

// Package phrase writes counts, waits and lists the way parley's sentences
// say them: "1 message", "3 messages", "10ms", "1.5s", "12s", "1m",
// "1h30m", `"A", "B" and "C"`.
package phrase

import (
	"strconv"
	"strings"
	"time"
)

// Count writes n and the noun it counts, singular for one: Count(1,
// "message", "messages") is "1 message".
func Count(n int, one, many string) string {
	return strconv.Itoa(n) + " " + Noun(n, one, many)
}

// Noun is one for n of 1, many otherwise.
func Noun(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Wait writes a wait as a person reads it, never as 0s unless it is none:
// whole milliseconds under a second, tenths of a second under ten, whole
// seconds beyond.
func Wait(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return max(d.Round(time.Millisecond), time.Millisecond).String()
	case d < 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// Sentence ends s as a sentence: with a period, unless it ends with one
// already, or with "!", "?" or "…" (before any closing quotes or
// brackets), so a reason that quotes a sentence is not printed "..".
func Sentence(s string) string {
	t := strings.TrimRight(s, " \t\r\n")
	end := strings.TrimRight(t, `"'”’)]»`)
	if strings.HasSuffix(end, ".") || strings.HasSuffix(end, "!") || strings.HasSuffix(end, "?") || strings.HasSuffix(end, "…") {
		return t
	}
	return t + "."
}

// Duration writes a span of time as people say it: Wait's way under a
// minute, and beyond it hours, minutes and seconds with the units that are
// zero left out: "1m", not "1m0s"; "1m51s"; "2h"; "1h30m".
func Duration(d time.Duration) string {
	if d < 10*time.Second {
		return Wait(d)
	}
	d = d.Round(time.Second)
	h, m, s := d/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second
	var out string
	if h > 0 {
		out += strconv.Itoa(int(h)) + "h"
	}
	if m > 0 {
		out += strconv.Itoa(int(m)) + "m"
	}
	if s > 0 {
		out += strconv.Itoa(int(s)) + "s"
	}
	return out
}

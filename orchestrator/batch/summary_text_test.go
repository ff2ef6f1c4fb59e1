package batch

import (
	"strings"
	"testing"
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

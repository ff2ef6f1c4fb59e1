package analysis

import (
	"testing"

	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// BenchmarkReportCorpus measures, side by side over the same parsed
// messages of the labelled corpus, judging each conversation with the
// default set (what check does) and describing it for the report (the
// stop, each rule alone, loop signals, terminal state, cost);
// report/check is their ratio.
//
//	go test ./analysis -run XXX -bench ReportCorpus
func BenchmarkReportCorpus(b *testing.B) {
	files, size := corpusFiles(b)
	var all [][]transcripts.Message
	for _, data := range files {
		ts, _, err := transcripts.Import(data)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, ts[0].Messages)
	}
	b.Run("check", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			for _, msgs := range all {
				Judge(policy.Default(), msgs)
			}
		}
	})
	b.Run("report", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			var convs []Conversation
			for _, msgs := range all {
				convs = append(convs, Describe(Item{Name: "bench", Messages: msgs}, policy.Default))
			}
			Build("the default policy set", convs)
		}
	})
}

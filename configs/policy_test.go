package configs

import (
	"reflect"
	"testing"

	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// Each call of Policy gives a policy of its own, as a fresh parse of the
// termination block would, however many conversations (a batch's, in
// turn or at once) have been judged with the policies it gave before.
func TestEachPolicyIsAFreshParse(t *testing.T) {
	const agents = "agents:\n  - {name: A, type: scripted, lines: [a]}\n  - {name: B, type: scripted, lines: [b]}\n"
	cases := []struct{ name, termination string }{
		{"the default set", ""},
		{"rules of its own", "termination:\n  any:\n    - min_messages: 3\n    - repetition: {count: 2}\n    - loop: {threshold: 0.6}\n    - end_token: {token: \"[END]\", exchanges: 2}\n"},
		{"a judge, which is parsed again", "termination:\n  judge: {model: m, base_url: http://127.0.0.1:1/v1, every: 4}\n"},
	}
	loop := []transcripts.Message{}
	for i := range 12 {
		loop = append(loop, transcripts.Message{Speaker: []string{"A", "B"}[i%2], Content: "Thank you so much, goodbye! [END]"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse("s.yaml", []byte(agents+c.termination))
			if err != nil {
				t.Fatal(err)
			}
			want, err := buildPolicy(&s.Termination)
			if err != nil {
				t.Fatal(err)
			}
			first, err := s.Policy()
			if err != nil {
				t.Fatal(err)
			}
			if c.name != "a judge, which is parsed again" {
				policy.FirstStop(first, loop) // it judges a conversation; the next policy knows nothing of it
			}
			second, err := s.Policy()
			if err != nil {
				t.Fatal(err)
			}
			if j, ok := second.(*policy.Judge); ok {
				// A judge's seed is its own; its settings are the block's.
				if first.(*policy.Judge) == j || !reflect.DeepEqual(j.Config, want.(*policy.Judge).Config) {
					t.Errorf("the second judge = %+v (first %p, second %p), want a fresh parse %+v", j.Config, first, j, want.(*policy.Judge).Config)
				}
				return
			}
			if !reflect.DeepEqual(second, want) {
				t.Errorf("the second policy = %#v\nwant a fresh parse %#v", second, want)
			}
			if reflect.ValueOf(first).Kind() == reflect.Pointer && reflect.ValueOf(first).Pointer() == reflect.ValueOf(second).Pointer() {
				t.Error("two calls gave the same policy")
			}
		})
	}
}

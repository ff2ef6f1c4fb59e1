package agents

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// collectHuman drains a reply into its text, finish reason and error.
func collectHuman(seq func(func(Chunk, error) bool)) (text, finish string, err error) {
	var b strings.Builder
	for ch, e := range seq {
		if e != nil {
			return b.String(), finish, e
		}
		b.WriteString(ch.Text)
		if ch.FinishReason != "" {
			finish = ch.FinishReason
		}
	}
	return b.String(), finish, nil
}

func TestHumanReply(t *testing.T) {
	tests := []struct {
		name       string
		sayBefore  string // said before Reply starts ("" = none)
		sayDuring  string // said while Reply waits ("" = none)
		draft      string // typed, not sent, when the run is stopped
		cancel     bool
		wantText   string
		wantErr    error
		wantFinish string
	}{
		{name: "said while waiting", sayDuring: "Hello there 👋\nsecond line", wantText: "Hello there 👋\nsecond line", wantFinish: "stop"},
		{name: "said before the turn", sayBefore: "typed ahead", wantText: "typed ahead", wantFinish: "stop"},
		{name: "cancelled while waiting", cancel: true, wantErr: context.Canceled},
		{name: "cancelled with a draft typed", draft: "half a thought\nand more", cancel: true, wantText: "half a thought\nand more", wantErr: context.Canceled},
		{name: "cancelled with a blank draft", draft: " \n ", cancel: true, wantErr: context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHuman("Ada")
			if tc.sayBefore != "" {
				if err := h.Say(tc.sayBefore); err != nil {
					t.Fatalf("Say: %v", err)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			type out struct {
				text, finish string
				err          error
			}
			done := make(chan out, 1)
			go func() {
				text, finish, err := collectHuman(h.Reply(ctx, nil))
				done <- out{text, finish, err}
			}()
			if tc.sayDuring != "" {
				if err := h.Say(tc.sayDuring); err != nil {
					t.Fatalf("Say: %v", err)
				}
			}
			if tc.draft != "" {
				h.Draft(tc.draft)
			}
			if tc.cancel {
				cancel()
			}
			var got out
			select {
			case got = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Reply did not return")
			}
			if !errors.Is(got.err, tc.wantErr) || (tc.wantErr == nil && got.err != nil) {
				t.Fatalf("err = %v, want %v", got.err, tc.wantErr)
			}
			if got.text != tc.wantText || got.finish != tc.wantFinish {
				t.Fatalf("got %q (finish %q), want %q (finish %q)", got.text, got.finish, tc.wantText, tc.wantFinish)
			}
		})
	}
}

func TestHumanSayRefuses(t *testing.T) {
	h := NewHuman("Ada")
	if err := h.Say("  \n "); err == nil || !strings.Contains(err.Error(), "Ada's message is empty") {
		t.Fatalf("blank message: err = %v", err)
	}
	if err := h.Say("first"); err != nil {
		t.Fatal(err)
	}
	if err := h.Say("second"); err == nil || !strings.Contains(err.Error(), "already has a message waiting") {
		t.Fatalf("second message: err = %v", err)
	}
	// The first one is what the next turn says.
	text, _, err := collectHuman(h.Reply(context.Background(), nil))
	if err != nil || text != "first" {
		t.Fatalf("Reply = %q, %v; want first", text, err)
	}
}

func TestHumanCancelKeepsLaterLine(t *testing.T) {
	h := NewHuman("Ada")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := collectHuman(h.Reply(ctx, nil)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Reply: err = %v", err)
	}
	if err := h.Say("for the next turn"); err != nil {
		t.Fatal(err)
	}
	text, _, err := collectHuman(h.Reply(context.Background(), nil))
	if err != nil || text != "for the next turn" {
		t.Fatalf("Reply = %q, %v", text, err)
	}
}

// A message the person sent as the run was stopped (Enter, then the quit
// key, before the turn took the message) is their message, sent: the turn
// yields it whole, however the wait's two events are ordered, rather than
// leave it waiting for a turn that never comes.
func TestHumanMessageSentAsTheRunStops(t *testing.T) {
	for i := range 200 {
		h := NewHuman("Ada")
		if err := h.Say("sent just in time"); err != nil {
			t.Fatal(err)
		}
		h.Draft("") // sending clears the draft
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		text, finish, err := collectHuman(h.Reply(ctx, nil))
		if text != "sent just in time" || finish != "stop" || err != nil {
			t.Fatalf("try %d: Reply = %q (finish %q), %v; want the message sent, whole", i, text, finish, err)
		}
	}
}

// A typed line asked no model: its last chunk says so, with its tokens
// estimated and a cost of 0, as a scripted or replayed line's does.
func TestTypedAndScriptedLinesRecordNoCost(t *testing.T) {
	h := NewHuman("Ada")
	if err := h.Say("a line typed at the keyboard"); err != nil {
		t.Fatal(err)
	}
	for name, agent := range map[string]Agent{"human": h, "scripted": NewScripted([]string{"a scripted line"}, 0)} {
		var last Chunk
		for ch, err := range agent.Reply(context.Background(), nil) {
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			last = ch
		}
		if u := last.Usage; last.FinishReason != "stop" || u == nil || u.Cost == nil || *u.Cost != 0 || !u.Estimated || u.CompletionTokens == 0 || u.PromptTokens != 0 {
			t.Errorf("%s: last chunk %+v, usage %+v; want finish stop, estimated completion tokens, no prompt tokens, cost 0", name, last, u)
		}
	}
}

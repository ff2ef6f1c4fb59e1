package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/lazy"
)

func TestInterruptionSaysCtrlCNotContextCanceled(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	resumeHint := &exitError{code: exitInterrupted, err: errors.New("interrupted: 2 of 5 conversations finished; finish the batch with: parley batch --resume out")}
	cases := []struct {
		name     string
		ctx      context.Context
		err      error
		code     int
		says     string // what the sentence must hold
		keepsErr bool   // the error is returned as it was
	}{
		{"a step cancelled by Ctrl-C", cancelled, failureErr(fmt.Errorf("reading the stored results: %w", context.Canceled)),
			exitInterrupted, "interrupted before it finished; nothing already recorded is lost (reading the stored results: context canceled)", false},
		{"a command that says how to resume keeps its sentence", cancelled, resumeHint, exitInterrupted, "parley batch --resume out", true},
		{"another failure after Ctrl-C stays a failure", cancelled, failureErr(os.ErrPermission), exitFailure, "permission denied", true},
		{"a cancellation parley did not get Ctrl-C for stays a failure", context.Background(), failureErr(context.Canceled), exitFailure, "context canceled", true},
		{"a usage error after Ctrl-C stays a usage error", cancelled, usageErr(errors.New("--queue needs a URL")), exitUsage, "--queue needs a URL", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := interruption(c.ctx, c.err)
			if c.keepsErr && got != c.err {
				t.Errorf("interruption returned %v; want the error as it was: %v", got, c.err)
			}
			var ee *exitError
			if !errors.As(got, &ee) || ee.code != c.code {
				t.Fatalf("interruption(%v) = %#v; want exit code %d", c.err, got, c.code)
			}
			if !strings.Contains(got.Error(), c.says) {
				t.Errorf("the sentence is %q; want it to hold %q", got.Error(), c.says)
			}
			if !errors.Is(got, errors.Unwrap(c.err)) {
				t.Errorf("the cause is lost: %v does not wrap %v", got, errors.Unwrap(c.err))
			}
		})
	}
}

// Every package's regular expressions compile on first use (internal/lazy):
// the binary links them all, so here each is compiled, and a bad one fails
// the tests rather than the command that would first use it.
func TestEveryRegularExpressionCompiles(t *testing.T) {
	exprs := lazy.Expressions()
	if len(exprs) < 10 {
		t.Fatalf("only %d expressions registered: %q", len(exprs), exprs)
	}
	for _, e := range exprs {
		if _, err := regexp.Compile(e); err != nil {
			t.Errorf("%q: %v", e, err)
		}
	}
}

package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionFlagAndCommandAgree(t *testing.T) {
	code, flag, errOut := parley(t, "--version")
	if code != exitOK || !strings.HasPrefix(flag, "parley ") {
		t.Fatalf("--version: exit %d %q %q", code, flag, errOut)
	}
	code, cmd, errOut := parley(t, "version")
	if code != exitOK || cmd != flag {
		t.Fatalf("version: exit %d %q %q; --version said %q", code, cmd, errOut, flag)
	}
}

func TestVersionNamesTheRevision(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.3.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "25d9e26aa0b1c2d3e4f5"}, {Key: "vcs.time", Value: "2026-11-30T08:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	got := formatVersion(bi)
	want := "parley v0.3.0, revision 25d9e26aa0b1 with local changes of 2026-11-30T08:00:00Z, go1.26.0"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := formatVersion(&debug.BuildInfo{GoVersion: "go1.26.0"}); got != "parley (devel), go1.26.0" {
		t.Fatalf("without VCS: %q", got)
	}
}

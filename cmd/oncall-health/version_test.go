package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionOf(t *testing.T) {
	rev := "0123456789abcdef0123456789abcdef01234567"
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, tc := range []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{"no build information", nil, false, "devel"},
		{"module version wins", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: settings("vcs.revision", rev)}, true, "v1.2.3"},
		{"revision, first 12 characters", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: settings("vcs.revision", rev, "vcs.modified", "false")}, true, "0123456789ab"},
		{"revision of a modified tree", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: settings("vcs.revision", rev, "vcs.modified", "true")}, true, "0123456789ab-dirty"},
		{"neither", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true, "devel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := versionOf(tc.info, tc.ok); got != tc.want {
				t.Errorf("versionOf = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestReportVersion: a report written through run names the version of the
// binary in every page's footer ("by oncall-health <version>").
func TestReportVersion(t *testing.T) {
	if version == "" {
		t.Fatal("version is empty")
	}
	db, _ := syncedDB(t)
	out := t.TempDir()
	// 2026-W46 (9 to 15 November 2026) lies in the synced history.
	if code, _, stderr := runCmd(t, nil, "report", "--db", db, "--out", out, "--week", "2026-W46"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	pages, _ := filepath.Glob(filepath.Join(out, "*.html"))
	if len(pages) == 0 {
		t.Fatal("no HTML pages written")
	}
	for _, page := range pages {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), " by oncall-health "+version+".") {
			t.Errorf("%s does not name version %q in its footer", filepath.Base(page), version)
		}
	}
}

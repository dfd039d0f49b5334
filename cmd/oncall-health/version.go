package main

import "runtime/debug"

// version is the oncall-health version every report names in its footer,
// read once from the build information of the binary.
var version = versionOf(debug.ReadBuildInfo())

// versionOf words a build: the main module's version when it has one (a
// binary built by `go install module@version`); else the VCS revision
// shortened to 12 characters, with "-dirty" when the working tree had
// uncommitted changes (a `go build` in a checkout); else "devel" (no build
// information, or neither: e.g. a test binary).
func versionOf(info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	var dirty bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}

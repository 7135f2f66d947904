package kldcheck

import "runtime/debug"

// version is set at link time by `make` (-ldflags "-X
// github.com/kldcheck/kldcheck.version=..."); empty otherwise.
var version string

// Version returns kldcheck's version: the one set at link time, else the
// module version Go recorded in the binary, else "devel".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

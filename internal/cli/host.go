package cli

import "github.com/kldcheck/kldcheck/bootset"

// Host is what kldcheck asks of the machine it runs on. On FreeBSD it is
// the running kernel (host_freebsd.go); elsewhere it knows nothing, and
// tests put a fake in its place.
type Host interface {
	// BootFile is kern.bootfile: the running kernel's file.
	BootFile() (string, bool)
	// ModulePath is kern.module_path.
	ModulePath() ([]string, bool)
	// Loaded lists the files the running kernel has loaded, as kldstat -v.
	Loaded() ([]bootset.LoadedFile, error)
}

// host is the machine kldcheck runs on.
var host Host = noHost{}

// noHost is a machine that is not running FreeBSD.
type noHost struct{}

func (noHost) BootFile() (string, bool)     { return "", false }
func (noHost) ModulePath() ([]string, bool) { return nil, false }
func (noHost) Loaded() ([]bootset.LoadedFile, error) {
	return nil, usageErr("--loaded asks the running FreeBSD kernel what it has loaded; on another system, save `kldstat -v` there and pass it with --loaded-from")
}

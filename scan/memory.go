package scan

import (
	"os"
	"runtime/debug"

	"github.com/kldcheck/kldcheck/kobj"
)

// MemoryTarget is what a scan holds at most, for its soft memory limit:
// 40 MiB for the runtime and the report, 16 MiB for each module checked at
// once (its simulated kernel and the parses of its dependency closure: the
// largest real closure, zfs.ko's, is 6 MB of files), about 4 times the
// cache budget (a parse takes 2.5 to 4 times its file's bytes), 3 times
// the kernel file, and the facts kept of every file (factBytes).
func MemoryTarget(jobs int, cacheBytes, kernelBytes, facts int64) int64 {
	return 40<<20 + int64(jobs)*16<<20 + 4*cacheBytes + 3*kernelBytes + facts
}

// factBytes estimates what a scan keeps of every file once it is indexed:
// its summary (about 1 KiB) and 16 bytes per exported name (the definers'
// index and its sorting).
func factBytes(files int, names map[string][]uint64) int64 {
	n := 0
	for _, h := range names {
		n += len(h)
	}
	return int64(files)<<10 + int64(n)*16
}

func kernelSize(k *kobj.File) int {
	if k == nil {
		return 0
	}
	return k.Size()
}

// memoryLimit sets the runtime's soft memory limit while a scan runs and
// restores the one before; GOMEMLIMIT in the environment wins.
type memoryLimit struct {
	prev   int64
	active bool
}

func (m *memoryLimit) set(bytes int64) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	prev := debug.SetMemoryLimit(bytes)
	if !m.active {
		m.prev, m.active = prev, true
	}
}

func (m *memoryLimit) restore() {
	if m.active {
		debug.SetMemoryLimit(m.prev)
	}
}

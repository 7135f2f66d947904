package code

import (
	"sync"

	"github.com/kldcheck/kldcheck/kobj"
)

// scans memoises Scan per parsed file: a module checked as the dependency of
// many others is disassembled once.
var scans sync.Map // *kobj.File -> *scanEntry

type scanEntry struct {
	once sync.Once
	res  *Result
	err  error
}

// ScanCached is Scan, done once per parsed file.
func ScanCached(f *kobj.File) (*Result, error) {
	e, _ := scans.LoadOrStore(f, &scanEntry{})
	se := e.(*scanEntry)
	se.once.Do(func() { se.res, se.err = Scan(f) })
	return se.res, se.err
}

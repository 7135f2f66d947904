package code

import (
	"fmt"
	"sync"

	"github.com/kldcheck/kldcheck/kobj"
)

// scans memoises scans per parsed file and focus: a module checked as the
// dependency of many others is disassembled once.
var scans sync.Map // scanKey -> *scanEntry

type scanKey struct {
	f     *kobj.File
	focus string
}

type scanEntry struct {
	once sync.Once
	res  *Result
	err  error
}

// ScanCached is ScanFocused, done once per parsed file and focus.
func ScanCached(f *kobj.File, focus Focus) (*Result, error) {
	e, _ := scans.LoadOrStore(scanKey{f, fmt.Sprint(focus)}, &scanEntry{})
	se := e.(*scanEntry)
	se.once.Do(func() { se.res, se.err = ScanFocused(f, focus) })
	return se.res, se.err
}

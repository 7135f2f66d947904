package code

import (
	"fmt"

	"github.com/kldcheck/kldcheck/kobj"
)

// focusKey is the memo key of a focused scan of a file.
type focusKey string

type scanResult struct {
	res *Result
	err error
}

// ScanCached is ScanFocused, done once per parsed file and focus: a module
// checked as the dependency of many others is disassembled once. The result
// is kept with the file (kobj.File.Memo) and freed with it.
func ScanCached(f *kobj.File, focus Focus) (*Result, error) {
	r := f.Memo(focusKey(fmt.Sprint(focus)), func() any {
		res, err := ScanFocused(f, focus)
		return scanResult{res, err}
	}).(scanResult)
	return r.res, r.err
}

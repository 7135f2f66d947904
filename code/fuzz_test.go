package code

import (
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
)

// FuzzScan reads the machine code of fuzzed modules: the decoders and the
// pattern matchers of every architecture must not panic on any bytes, and
// every reported place lies inside the file's code.
func FuzzScan(f *testing.F) {
	testutil.AddSeeds(f, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		kf, err := kobj.Parse("fuzz.ko", data)
		if err != nil {
			return
		}
		res, err := Scan(kf)
		if err != nil {
			return
		}
		for _, a := range res.Accesses {
			if !inCode(kf, a.Addr) {
				t.Errorf("access at %#x outside the executable sections", a.Addr)
			}
		}
		for _, c := range res.Calls {
			if !inCode(kf, c.Addr) {
				t.Errorf("call at %#x outside the executable sections", c.Addr)
			}
		}
	})
}

func inCode(f *kobj.File, a uint64) bool {
	for _, s := range f.Sections {
		if s.Alloc() && s.Contains(a) {
			return true
		}
	}
	return false
}

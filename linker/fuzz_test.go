package linker_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
)

// FuzzLoad simulates kldload of a fuzzed module into the fixture kernel of
// its architecture (or the stand-in kernel), with the fixture modules of
// that configuration as dependencies, under each profile. It must end with
// findings or an error about the file, never a panic or kldcheck's own
// failure, and always terminate.
func FuzzLoad(f *testing.F) {
	kernels := map[string]*kobj.File{} // by architecture name
	dirs := map[string]string{}
	for _, fx := range testutil.Fixtures(f) {
		if strings.Contains(fx.Config, "lld14") {
			continue
		}
		if fx.Name == "kernel" {
			k, err := kobj.Open(fx.Path)
			if err != nil {
				f.Fatal(err)
			}
			kernels[k.Arch.Name], dirs[k.Arch.Name] = k, filepath.Dir(fx.Path)
			continue
		}
		data, err := os.ReadFile(fx.Path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0), false)
	}
	profiles := profile.All()
	f.Fuzz(func(t *testing.T, data []byte, prof uint8, synthetic bool) {
		mod, err := kobj.Parse("fuzz.ko", data)
		if err != nil || mod.Kind != kobj.Module {
			return // FuzzParse covers bad files
		}
		opts := linker.Options{Profile: profiles[int(prof)%len(profiles)]}
		if k := kernels[mod.Arch.Name]; k != nil && !synthetic {
			opts.Kernel = k
			opts.ModulePath = []string{dirs[mod.Arch.Name]}
		}
		opts.Open = func(p string) (*kobj.File, error) {
			if p == "fuzz.ko" {
				return mod, nil
			}
			return kobj.Open(p)
		}
		l, err := linker.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		err = l.LoadAll([]string{"fuzz.ko"})
		var ke *kobj.Error
		if errors.As(err, &ke) && ke.Internal {
			t.Fatalf("kldcheck failed on this input: %v", err)
		}
		if err != nil && !errors.As(err, &ke) {
			t.Fatalf("error %T %v is neither a finding nor about the file", err, err)
		}
	})
}

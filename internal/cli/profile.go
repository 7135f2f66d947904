package cli

import (
	"fmt"

	"github.com/kldcheck/kldcheck/arch"
	"github.com/kldcheck/kldcheck/profile"
)

// resolveProfile reads --profile (a profile's name or a release, see
// profile.Resolve) for modules of the given architectures. It returns a
// note saying which profile a release selected, and a usage error when the
// release (or every release the profile governs) predates an architecture:
// there was no FreeBSD/arm64 8.2 to ask about.
func resolveProfile(arg string, archs []*arch.Arch) (*profile.Profile, string, error) {
	p, rel, err := profile.Resolve(arg)
	if err != nil {
		return nil, "", usageErr("%v", err)
	}
	note := ""
	if rel.Major != 0 {
		note = fmt.Sprintf("--profile %s: %s runs the kernel linker of profile %s", arg, rel, p.Name)
	}
	for _, a := range archs {
		last, what := p.End()-1, "profile "+p.Name
		if rel.Major != 0 {
			last, what = rel.OSRelDate, rel.String()
		}
		if before, first := a.PredatesRelease(last); before {
			return nil, "", usageErr("--profile %s: %s predates FreeBSD/%s, first released in %s", arg, what, a.Name, first)
		}
	}
	return p, note, nil
}

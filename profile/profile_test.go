package profile

import "testing"

// Releases as users name them select the profile governing them: the
// newest whose first __FreeBSD_version is not later than the release's.
func TestResolveReleases(t *testing.T) {
	for arg, want := range map[string]string{
		"freebsd-14": "freebsd-14", "14": "freebsd-14", "15": "freebsd-15", "freebsd-15": "freebsd-15",
		"15.0-CURRENT": "freebsd-15", "FreeBSD-14.1-RELEASE": "freebsd-14", "14.2-RELEASE-p3": "freebsd-14",
		"13": "freebsd-13", "13.2": "freebsd-13", "freebsd-13": "freebsd-13", "12.4": "freebsd-12.1",
		"12.1": "freebsd-12.1", "12": "freebsd-12.0", "12.0": "freebsd-12.0", "11.4-STABLE": "freebsd-10",
		"10.4": "freebsd-10", "9": "freebsd-9.0", "9.3": "freebsd-9.0",
		"8.2": "freebsd-8.2", "freebsd-8.2": "freebsd-8.2", "8.4": "freebsd-8.2",
	} {
		p, rel, err := Resolve(arg)
		if err != nil || p.Name != want {
			t.Errorf("%s: %v %v, want %s", arg, p, err, want)
			continue
		}
		if (rel.Major == 0) != (arg == p.Name) {
			t.Errorf("%s: release %+v", arg, rel)
		}
		if rel.Major != 0 && (rel.OSRelDate < p.OSRelDate || rel.OSRelDate >= p.End()) {
			t.Errorf("%s: %s (%d) is outside %s's range [%d, %d)", arg, rel, rel.OSRelDate, p.Name, p.OSRelDate, p.End())
		}
	}
	for _, bad := range []string{"16", "7.4", "freebsd-1.0", "latest", "14.x", ""} {
		if p, _, err := Resolve(bad); err == nil {
			t.Errorf("%q accepted as %s", bad, p.Name)
		}
	}
}

// Relocation types per release, as each release's elf_machdep.c applies
// them: i386 R_386_JMP_SLOT has no case in 12.1-STABLE's elf_reloc_internal
// (Tesseract snapshot) and one in 15-CURRENT's (Irid); amd64 PLT32 is
// accepted from 12.1 on.
func TestAcceptsPerRelease(t *testing.T) {
	for _, c := range []struct {
		profile, arch, reloc string
		accepted             bool
	}{
		{"freebsd-12.1", "i386", "R_386_JMP_SLOT", false},
		{"freebsd-14", "i386", "R_386_JMP_SLOT", true},
		{"freebsd-8.2", "i386", "R_386_JMP_SLOT", false},
		{"freebsd-12.1", "amd64", "R_X86_64_PLT32", true},
		{"freebsd-9.0", "amd64", "R_X86_64_PLT32", false},
		{"freebsd-14", "i386", "R_386_IRELATIVE", true},
	} {
		p, err := ByName(c.profile)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Accepts(c.arch, c.reloc); got != c.accepted {
			t.Errorf("%s accepts %s %s: %v, want %v", c.profile, c.arch, c.reloc, got, c.accepted)
		}
	}
}

// A kernel of unknown osreldate gets the newest profile, a known one the
// profile of its release line.
func TestForKernel(t *testing.T) {
	if ForKernel(0) != Newest() || ForKernel(1201517).Name != "freebsd-12.1" || ForKernel(802000).Name != "freebsd-8.2" {
		t.Errorf("ForKernel: %s %s %s", ForKernel(0).Name, ForKernel(1201517).Name, ForKernel(802000).Name)
	}
}

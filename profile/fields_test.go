package profile

import (
	"reflect"
	"strings"
	"testing"
)

// The profiles in order, for the tables below.
var order = []string{"freebsd-8.2", "freebsd-9.0", "freebsd-10", "freebsd-12.0", "freebsd-12.1", "freebsd-13", "freebsd-14", "freebsd-15"}

// Every behaviour field has, per profile, the value read in that release's
// tree. Each field is its own test with one expected value per profile in
// the order above, and the source it was read in (Profile.Sources); a
// profile changed without its row here fails.
func TestProfileFieldValues(t *testing.T) {
	b := func(s string) []any { // "TFFT..." as bools
		out := make([]any, len(s))
		for i, c := range s {
			out[i] = c == 'T'
		}
		return out
	}
	n := func(v ...uint64) []any {
		out := make([]any, len(v))
		for i := range v {
			out[i] = v[i]
		}
		return out
	}
	want := map[string][]any{
		//                            8.2 9.0 10 12.0 12.1 13 14 15
		"cross_module_sets":          b("FTTTTTTT"), // link_elf.c elf_set_find (not in 8.3; 9.3 on)
		"vnet_module_space":          n(8192, 8192, 8192, 32768, 32768, 32768, 32768, 32768),
		"dpcpu_module_space":         n(2048, 2048, 2048, 2048, 2048, 2048, 2048, 2048),
		"set_size_in_pointers":       b("TTTFFFFF"), // 10.4 pointer count, 12.0 bytes
		"reports_no_space":           b("FFFTTTTT"), // 12.0's printf
		"leak_locals":                b("TTTTTTTT"), // unconditional, then the sysctls (default on)
		"hashless_full_scan":         b("FFFFFTTT"), // link_elf_lookup_debug_symbol (13.x on)
		"weak_undefined_zero":        b("FFTTTTTT"), // 9.3 "Weak symbols not supported"
		"i386_set_padding":           b("FFFFFTTT"), // LS_PADDING: not in 12.1-STABLE, in stable/13
		"obj_vnet_propagated":        b("FFFFFFTT"), // link_elf_propagate_vnets: 15-CURRENT only read
		"obj_local_reloc_fails":      b("FFFFFTTT"), // 13.1-STABLE's ENOEXEC
		"reloc_message_symbol_index": b("FFFFFFTT"), // ", symbol index %d"
	}
	unsupported := []map[string][]string{
		{"amd64": {"R_X86_64_PLT32", "R_X86_64_IRELATIVE"}, "i386": {"R_386_JMP_SLOT", "R_386_IRELATIVE"}, "powerpc": {"R_PPC_JMP_SLOT", "R_PPC_IRELATIVE"}, "powerpc64": {"R_PPC64_IRELATIVE"}},
		{"amd64": {"R_X86_64_PLT32", "R_X86_64_IRELATIVE"}, "i386": {"R_386_JMP_SLOT", "R_386_IRELATIVE"}, "powerpc": {"R_PPC_JMP_SLOT", "R_PPC_IRELATIVE"}, "powerpc64": {"R_PPC64_IRELATIVE"}},
		{"amd64": {"R_X86_64_PLT32", "R_X86_64_IRELATIVE"}, "i386": {"R_386_JMP_SLOT", "R_386_IRELATIVE"}, "arm64": {"R_AARCH64_TSTBR14", "R_AARCH64_CONDBR19", "R_AARCH64_JUMP26", "R_AARCH64_CALL26"}, "powerpc": {"R_PPC_JMP_SLOT", "R_PPC_IRELATIVE"}, "powerpc64": {"R_PPC64_IRELATIVE"}},
		{"i386": {"R_386_JMP_SLOT"}, "arm64": {"R_AARCH64_TSTBR14", "R_AARCH64_CONDBR19", "R_AARCH64_JUMP26", "R_AARCH64_CALL26"}, "powerpc": {"R_PPC_JMP_SLOT", "R_PPC_IRELATIVE"}, "powerpc64": {"R_PPC64_IRELATIVE"}},
		{"i386": {"R_386_JMP_SLOT"}, "powerpc": {"R_PPC_JMP_SLOT", "R_PPC_IRELATIVE"}, "powerpc64": {"R_PPC64_IRELATIVE"}},
		{"i386": {"R_386_JMP_SLOT"}, "powerpc": {"R_PPC_JMP_SLOT", "R_PPC_IRELATIVE"}, "powerpc64": {"R_PPC64_IRELATIVE"}},
		nil,
		nil,
	}
	if got := names(); !reflect.DeepEqual(got, order) {
		t.Fatalf("profiles %v, the table knows %v", got, order)
	}
	for _, f := range fieldTable {
		t.Run(f.key, func(t *testing.T) {
			for i, name := range order {
				p, _ := ByName(name)
				got := f.get(p)
				var exp any
				if f.key == "unsupported_relocations" {
					exp = unsupported[i]
					if len(got.(map[string][]string)) == 0 && exp == nil {
						continue
					}
					exp = map[string][]string(unsupported[i])
				} else {
					row, ok := want[f.key]
					if !ok {
						t.Fatalf("no expected values for %s", f.key)
					}
					exp = row[i]
				}
				if !reflect.DeepEqual(got, exp) {
					t.Errorf("%s %s = %v, want %v (source: %s)", name, f.key, got, exp, p.Sources[f.key])
				}
			}
		})
	}
}

func names() []string {
	var out []string
	for _, p := range all {
		out = append(out, p.Name)
	}
	return out
}

// Every profile names the tree it was read in and a source for every field,
// and the sources cite FreeBSD files or say why the value is inferred;
// Fields covers every behaviour field of the struct.
func TestProfileSources(t *testing.T) {
	meta := map[string]bool{"Name": true, "OSRelDate": true, "Summary": true, "Tree": true, "Sources": true}
	nfields := 0
	for _, sf := range reflect.VisibleFields(reflect.TypeOf(Profile{})) {
		if !meta[sf.Name] {
			nfields++
		}
	}
	if nfields != len(fieldTable) {
		t.Errorf("Profile has %d behaviour fields, Fields shows %d", nfields, len(fieldTable))
	}
	for _, p := range all {
		if p.Tree == "" || p.Summary == "" {
			t.Errorf("%s: no tree or summary", p.Name)
		}
		for _, f := range p.Fields() {
			if f.Source == "" {
				t.Errorf("%s: no source for %s", p.Name, f.Key)
			} else if !strings.Contains(f.Source, "sys/") && !strings.Contains(f.Source, "[inferred") {
				t.Errorf("%s %s: source %q names no file and is not marked inferred", p.Name, f.Key, f.Source)
			}
		}
		if len(p.Sources) != len(fieldTable) {
			t.Errorf("%s: %d sources for %d fields", p.Name, len(p.Sources), len(fieldTable))
		}
	}
}

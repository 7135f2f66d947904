// Package readelf parses the text llvm-readelf prints (GNU output style), so
// that tests can compare what kldcheck reads with what LLVM's tools read from
// the same file. It is an oracle for tests, not part of the analysis.
package readelf

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// RelocCounts counts relocation records by type name in `llvm-readelf -r`
// output.
func RelocCounts(text string) (map[string]int, error) {
	counts := make(map[string]int)
	in := false
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "Relocation section"):
			in = true
		case line == "":
			in = false
		case in && strings.HasPrefix(line, "Offset"):
			// column header
		case in:
			f := strings.Fields(line)
			if len(f) < 3 {
				return nil, fmt.Errorf("unexpected relocation line %q", line)
			}
			counts[f[2]]++
		}
	}
	return counts, sc.Err()
}

// Reloc is one row of `llvm-readelf -r`.
type Reloc struct {
	Section string // the table's section
	RELA    bool   // the table has addends
	Offset  uint64
	Type    string
	Symbol  string // as llvm-readelf names it (a section symbol by its section)
	Addend  int64  // RELA tables only
}

// Relocs parses `llvm-readelf -r` output: every row of every table.
func Relocs(text string) ([]Reloc, error) {
	var out []Reloc
	section, rela, in := "", false, false
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "Relocation section '"):
			section = strings.SplitN(line[len("Relocation section '"):], "'", 2)[0]
			in = true
		case line == "":
			in = false
		case in && strings.HasPrefix(line, "Offset"):
			rela = strings.HasSuffix(line, "Addend")
		case in:
			r, err := relocRow(line, rela)
			if err != nil {
				return nil, err
			}
			r.Section = section
			out = append(out, r)
		}
	}
	return out, sc.Err()
}

// relocRow parses "offset info type [symvalue [name]] [+|- addend]"; a
// RELA row without a symbol ends in its addend alone.
func relocRow(line string, rela bool) (Reloc, error) {
	f := strings.Fields(line)
	if len(f) < 3 {
		return Reloc{}, fmt.Errorf("relocation line %q: too few fields", line)
	}
	r := Reloc{RELA: rela, Type: f[2]}
	var err error
	if r.Offset, err = strconv.ParseUint(f[0], 16, 64); err != nil {
		return r, fmt.Errorf("relocation line %q: %v", line, err)
	}
	rest := f[3:]
	if rela && len(rest) >= 2 && (rest[len(rest)-2] == "+" || rest[len(rest)-2] == "-") {
		a, err := strconv.ParseUint(rest[len(rest)-1], 16, 64)
		if err != nil {
			return r, fmt.Errorf("relocation line %q: %v", line, err)
		}
		if r.Addend = int64(a); rest[len(rest)-2] == "-" {
			r.Addend = -r.Addend
		}
		rest = rest[:len(rest)-2]
	} else if rela && len(rest) == 1 {
		a, err := strconv.ParseUint(rest[0], 16, 64)
		if err != nil {
			return r, fmt.Errorf("relocation line %q: %v", line, err)
		}
		r.Addend, rest = int64(a), nil
	}
	switch len(rest) {
	case 0, 1: // no symbol, or a symbol value without a name
	case 2:
		r.Symbol = rest[1]
	default:
		return r, fmt.Errorf("relocation line %q: unexpected fields %q", line, rest)
	}
	return r, nil
}

// Section is one row of `llvm-readelf -S`.
type Section struct {
	Index int
	Name  string
	Type  string
	Addr  uint64
	Off   uint64
	Size  uint64
}

// Sections parses `llvm-readelf -S` output.
func Sections(text string) ([]Section, error) {
	var out []Section
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "[") || strings.HasPrefix(line, "[Nr]") {
			continue
		}
		close := strings.IndexByte(line, ']')
		idx, err := strconv.Atoi(strings.TrimSpace(line[1:close]))
		if err != nil {
			return nil, fmt.Errorf("section line %q: %v", line, err)
		}
		f := strings.Fields(line[close+1:])
		if idx == 0 {
			out = append(out, Section{Index: 0})
			continue
		}
		if len(f) < 5 {
			return nil, fmt.Errorf("section line %q: too few fields", line)
		}
		s := Section{Index: idx, Name: f[0], Type: f[1]}
		if s.Addr, err = strconv.ParseUint(f[2], 16, 64); err == nil {
			if s.Off, err = strconv.ParseUint(f[3], 16, 64); err == nil {
				s.Size, err = strconv.ParseUint(f[4], 16, 64)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("section line %q: %v", line, err)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

// Symbol is one row of `llvm-readelf -s`.
type Symbol struct {
	Table string // ".symtab" or ".dynsym"
	Value uint64
	Size  uint64
	Type  string
	Bind  string
	Vis   string
	Ndx   string // section index, UND, ABS, COM
	Name  string
}

// Symbols parses `llvm-readelf -s` output (both tables).
func Symbols(text string) ([]Symbol, error) {
	var out []Symbol
	table := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "Symbol table '") {
			table = strings.SplitN(line[len("Symbol table '"):], "'", 2)[0]
			continue
		}
		f := strings.Fields(line)
		if len(f) < 7 || !strings.HasSuffix(f[0], ":") || f[0] == "Num:" {
			continue
		}
		// Some targets print st_other bits after the visibility, in brackets
		// ("DEFAULT [<other: 0x60>]", ppc64 local entry points): skip them.
		rest := f[6:]
		if strings.HasPrefix(rest[0], "[") {
			for len(rest) > 0 && !strings.HasSuffix(rest[0], "]") {
				rest = rest[1:]
			}
			if len(rest) > 0 {
				rest = rest[1:]
			}
		}
		if len(rest) == 0 {
			return nil, fmt.Errorf("symbol line %q: no section index", line)
		}
		s := Symbol{Table: table, Type: f[3], Bind: f[4], Vis: f[5], Ndx: rest[0]}
		if len(rest) > 1 {
			s.Name = rest[1]
		}
		var err error
		if s.Value, err = strconv.ParseUint(f[1], 16, 64); err != nil {
			return nil, fmt.Errorf("symbol line %q: %v", line, err)
		}
		if s.Size, err = strconv.ParseUint(f[2], 0, 64); err != nil {
			return nil, fmt.Errorf("symbol line %q: %v", line, err)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

// ReadCapture reads a capture file written by testdata/build.sh.
func ReadCapture(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

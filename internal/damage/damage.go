// Package damage makes damaged copies of ELF files for robustness tests:
// truncated at random points, random bytes flipped in the ELF and section
// headers, and sizes, counts, offsets and alignments of the ELF header,
// section headers and program headers set to huge values. It
// is deterministic for a seed, so a failing case can be rebuilt by its name.
package damage

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
)

// Case is one damaged file.
type Case struct {
	Name string // base name, kind of damage and its parameters
	Data []byte
}

// header fields of an ELF file that the damage targets.
type layout struct {
	le                      bool
	is64                    bool
	shoff, shentsize, shnum int
	phoff, phentsize, phnum int
}

func parse(b []byte) (layout, bool) {
	if len(b) < 52 || string(b[:4]) != "\x7fELF" {
		return layout{}, false
	}
	l := layout{is64: b[4] == 2, le: b[5] == 1}
	if l.is64 && len(b) < 64 {
		return layout{}, false
	}
	bo := l.order()
	if l.is64 {
		l.shoff, l.shentsize, l.shnum = int(bo.Uint64(b[0x28:])), int(bo.Uint16(b[0x3a:])), int(bo.Uint16(b[0x3c:]))
		l.phoff, l.phentsize, l.phnum = int(bo.Uint64(b[0x20:])), int(bo.Uint16(b[0x36:])), int(bo.Uint16(b[0x38:]))
	} else {
		l.shoff, l.shentsize, l.shnum = int(bo.Uint32(b[0x20:])), int(bo.Uint16(b[0x2e:])), int(bo.Uint16(b[0x30:]))
		l.phoff, l.phentsize, l.phnum = int(bo.Uint32(b[0x1c:])), int(bo.Uint16(b[0x2a:])), int(bo.Uint16(b[0x2c:]))
	}
	return l, true
}

func (l layout) order() binary.ByteOrder {
	if l.le {
		return binary.LittleEndian
	}
	return binary.BigEndian
}

// word writes v at off as a 4- or 8-byte field of the file's class.
func (l layout) word(b []byte, off int, wide bool, v uint64) {
	if off < 0 {
		return
	}
	if wide && l.is64 {
		if off+8 <= len(b) {
			l.order().PutUint64(b[off:], v)
		}
		return
	}
	if off+4 <= len(b) {
		l.order().PutUint32(b[off:], uint32(v))
	}
}

// section header field offsets: name, type, flags, addr, offset, size, link,
// info, addralign, entsize.
func (l layout) shField(i, field int) (off int, wide bool) {
	base := l.shoff + i*l.shentsize
	if l.is64 {
		return base + []int{0, 4, 8, 16, 24, 32, 40, 44, 48, 56}[field], []bool{false, false, true, true, true, true, false, false, true, true}[field]
	}
	return base + []int{0, 4, 8, 12, 16, 20, 24, 28, 32, 36}[field], false
}

// program header field offsets: offset, vaddr, filesz, memsz, align.
func (l layout) phField(i, field int) (off int, wide bool) {
	base := l.phoff + i*l.phentsize
	if l.is64 {
		return base + []int{8, 16, 32, 40, 48}[field], true
	}
	return base + []int{4, 8, 16, 20, 28}[field], false
}

var huge = []uint64{0xffffffff, 0x7fffffff, 0xffffffffffffffff, 1 << 40, 1 << 31, 0x80000000, 1 << 20}

// Corpus returns n damaged copies of the base files, spread evenly over the
// kinds of damage, deterministic for seed.
func Corpus(seed uint64, names []string, bases [][]byte, n int) []Case {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var out []Case
	for i := 0; i < n; i++ {
		k := r.IntN(len(bases))
		b := append([]byte(nil), bases[k]...)
		l, ok := parse(b)
		if !ok {
			continue
		}
		var what string
		switch i % 6 {
		case 0: // truncated at a random point
			cut := r.IntN(len(b))
			b = b[:cut]
			what = fmt.Sprintf("truncated-at-%d", cut)
		case 1: // bytes flipped in the ELF header
			hdr := 52
			if l.is64 {
				hdr = 64
			}
			what = "ehdr-flip"
			for j := 0; j < 1+r.IntN(4); j++ {
				at := 16 + r.IntN(hdr-16) // keep the identification
				b[at] ^= byte(1 + r.IntN(255))
				what += fmt.Sprintf("-%d", at)
			}
		case 2: // bytes flipped in the section headers
			what = "shdr-flip"
			span := l.shnum * l.shentsize
			if l.shoff <= 0 || span <= 0 || l.shoff+span > len(b) {
				continue
			}
			for j := 0; j < 1+r.IntN(8); j++ {
				at := l.shoff + r.IntN(span)
				b[at] ^= byte(1 + r.IntN(255))
				what += fmt.Sprintf("-%d", at)
			}
		case 3: // a section's size, offset, alignment, entsize, link or info set huge
			if l.shnum == 0 || l.shoff <= 0 {
				continue
			}
			sec := r.IntN(l.shnum)
			field := []int{4, 5, 6, 7, 8, 9, 3}[r.IntN(7)]
			v := huge[r.IntN(len(huge))]
			off, wide := l.shField(sec, field)
			l.word(b, off, wide, v)
			what = fmt.Sprintf("section-%d-field-%d-%#x", sec, field, v)
		case 4: // a header count or offset set huge
			v := huge[r.IntN(len(huge))]
			var off int
			var wide bool
			switch r.IntN(7) {
			case 0: // e_shoff
				off, wide = map[bool]int{true: 0x28, false: 0x20}[l.is64], true
			case 1: // e_phoff
				off, wide = map[bool]int{true: 0x20, false: 0x1c}[l.is64], true
			case 2: // e_shnum
				l.order().PutUint16(b[map[bool]int{true: 0x3c, false: 0x30}[l.is64]:], uint16(v))
				off = -1
			case 3: // e_phnum
				l.order().PutUint16(b[map[bool]int{true: 0x38, false: 0x2c}[l.is64]:], uint16(v))
				off = -1
			case 4: // e_shstrndx
				l.order().PutUint16(b[map[bool]int{true: 0x3e, false: 0x32}[l.is64]:], uint16(v))
				off = -1
			case 5: // e_shentsize
				l.order().PutUint16(b[map[bool]int{true: 0x3a, false: 0x2e}[l.is64]:], uint16(v))
				off = -1
			case 6: // e_phentsize
				l.order().PutUint16(b[map[bool]int{true: 0x36, false: 0x2a}[l.is64]:], uint16(v))
				off = -1
			}
			l.word(b, off, wide, v)
			what = fmt.Sprintf("ehdr-field-%#x", v)
		case 5: // a program header's offset, address, sizes or alignment set huge
			if l.phnum == 0 || l.phoff <= 0 {
				continue // ET_REL modules have none
			}
			seg, field := r.IntN(l.phnum), r.IntN(5)
			v := huge[r.IntN(len(huge))]
			off, wide := l.phField(seg, field)
			l.word(b, off, wide, v)
			what = fmt.Sprintf("segment-%d-field-%d-%#x", seg, field, v)
		}
		out = append(out, Case{Name: fmt.Sprintf("%03d-%s-%s", i, names[k], what), Data: b})
	}
	return out
}

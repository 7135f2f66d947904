package kobj

import (
	"bytes"
	"debug/elf"
)

// maxVersionLen bounds the kernel version string (sys/conf/newvers.sh makes it
// at least 256 bytes; real ones are a few hundred).
const maxVersionLen = 4096

// readKernelInfo reads a kernel's osreldate and version string (sys/kern/
// kern_mib.c and the generated vers.c define them) and, for any file, the
// .gnu_debuglink section naming its separate debug file.
func (f *File) readKernelInfo() error {
	if s := f.SectionByName(".gnu_debuglink"); s != nil {
		data, err := f.Data(s)
		if err != nil {
			return err
		}
		end := bytes.IndexByte(data, 0)
		if end < 0 {
			return f.errf(".gnu_debuglink: file name is not NUL-terminated")
		}
		f.DebugLink = string(data[:end])
		// The CRC follows the name and its NUL, padded to 4 bytes.
		if pad := (end + 4) &^ 3; pad+4 <= len(data) {
			f.DebugLinkCRC = f.Arch.ByteOrder().Uint32(data[pad:])
		}
	}
	if f.Kind != Kernel {
		return nil
	}
	if s, ok := f.Lookup("osreldate"); ok && s.Type == elf.STT_OBJECT {
		v, err := f.ReadUint(s.Addr, 4)
		if err != nil {
			return f.errf("osreldate: %v", unwrap(err))
		}
		f.OSRelDate = int(int32(v))
	}
	if s, ok := f.Lookup("version"); ok && s.Type == elf.STT_OBJECT {
		n := int(min(s.Size, maxVersionLen))
		if n == 0 {
			n = maxVersionLen
		}
		v, err := f.ReadString(s.Addr, n)
		if err != nil {
			return f.errf("version: %v", unwrap(err))
		}
		f.Version = v
	}
	return nil
}

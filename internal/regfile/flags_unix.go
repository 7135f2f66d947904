//go:build unix

package regfile

import "syscall"

// openFlags makes an open of a FIFO or device return at once.
const openFlags = syscall.O_NONBLOCK

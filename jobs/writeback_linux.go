package jobs

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback queues a written range for writing to disk without waiting for it. It is only
// a head start for the later fsync, so a refusal (a file system without the call) is ignored.
func startWriteback(f *os.File, off, n int64) {
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}

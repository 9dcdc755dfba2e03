package jobs

import (
	"io"
	"os"
)

// writebackChunk is how many written bytes make the downloader ask the kernel to start writing
// them to disk: few calls, and little left for the final fsync (8 MiB measured slower).
const writebackChunk = 32 << 20

// writebackFile appends to a package file and starts the disk writeback of each chunk as soon
// as it is written. The fsync that makes a package durable then waits only for the last chunk
// instead of the whole file, and a multi-gigabyte download does not pile up dirty pages that
// stall the rest of the desktop when they are flushed at once.
type writebackFile struct {
	f        *os.File
	off      int64 // file offset of the next write
	unsynced int64 // file offset from which writeback has not been started
}

// newWritebackFile writes to f from its current offset.
func newWritebackFile(f *os.File) (*writebackFile, error) {
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, err
	}
	return &writebackFile{f: f, off: off, unsynced: off}, nil
}

func (w *writebackFile) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.unsynced >= writebackChunk {
		startWriteback(w.f, w.unsynced, w.off-w.unsynced)
		w.unsynced = w.off
	}
	return n, err
}

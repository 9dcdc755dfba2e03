package jobs

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dustin/go-humanize"
)

// meter counts a download run's bytes for its progress: done and expected bytes, the rate since
// the start and the time left at that rate. Workers add bytes as they write them; one goroutine
// reports a few times a second, so a fast download does not flood the runner's subscribers.
type meter struct {
	now                  func() time.Time
	start                time.Time
	done, total, resumed atomic.Int64
	pkgsDone, pkgsTotal  atomic.Int64
}

func newMeter(now func() time.Time) *meter { return &meter{now: now, start: now()} }

func (m *meter) addPackages(n int) { m.pkgsTotal.Add(int64(n)) }
func (m *meter) packageDone()      { m.pkgsDone.Add(1) }
func (m *meter) expect(n int64)    { m.total.Add(n) }

// resume counts bytes already on disk from an earlier attempt: done, but not fetched now.
func (m *meter) resume(n int64) { m.done.Add(n); m.resumed.Add(n) }

// Write counts bytes as they reach the package file (the meter sits behind the file in an
// io.MultiWriter, so a counted byte is on disk).
func (m *meter) Write(p []byte) (int, error) { m.done.Add(int64(len(p))); return len(p), nil }

// unresume takes back what resume counted, when the part file is read again or thrown away.
func (m *meter) unresume(n int64) { m.done.Add(-n); m.resumed.Add(-n) }

// unwind takes back bytes of an attempt that is thrown away (a restart from zero).
func (m *meter) unwind(done, total int64) { m.done.Add(-done); m.total.Add(-total) }

func (m *meter) fetched() int64 { return m.done.Load() - m.resumed.Load() }

func (m *meter) progress() (int64, int64) {
	done, total := m.done.Load(), m.total.Load()
	return done, max(total, done)
}

// Status is the live line: "2 of 5 packages, 12.0 MiB of 40.0 MiB, 8.1 MiB/s, about 4s left".
func (m *meter) status() string {
	done, total := m.progress()
	s := fmt.Sprintf("%d of %d packages, %s of %s", m.pkgsDone.Load(), m.pkgsTotal.Load(), formatSize(done), formatSize(total))
	elapsed := m.now().Sub(m.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(m.fetched()) / elapsed
	}
	if rate > 0 {
		s += fmt.Sprintf(", %s/s", formatSize(int64(rate)))
		if left := total - done; left > 0 {
			s += fmt.Sprintf(", about %s left", (time.Duration(float64(left) / rate * float64(time.Second))).Round(time.Second))
		}
	}
	return s
}

// report publishes progress until ctx ends or the returned stop is called (stop is idempotent).
func (m *meter) report(ctx context.Context, run *Run, every time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				run.Progress(m.progress())
				run.Say("%s", m.status())
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// formatSize prints a byte count for people ("5.0 MiB").
func formatSize(n int64) string { return humanize.IBytes(uint64(max(n, 0))) }
